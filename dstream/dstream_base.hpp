// DStreamBase: the untyped half of a DStream node (Spark's DStream without the element
// type): identity, parents, slide, how long generated RDDs are remembered, persistence
// and checkpoint settings. DStreamNode<T> adds the generated-RDD map.
#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <rill/dstream/time.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class DStreamGraph;

class DStreamBase {
 public:
  DStreamBase(std::shared_ptr<DStreamGraph> graph,
              std::vector<std::shared_ptr<DStreamBase>> parents, std::string op);
  virtual ~DStreamBase() = default;
  DStreamBase(const DStreamBase&) = delete;
  DStreamBase& operator=(const DStreamBase&) = delete;

  int id() const { return id_; }
  const std::string& op() const { return op_; }
  // "<op> stream [<id>]": how errors name a stream.
  std::string name() const { return op_ + " stream [" + std::to_string(id_) + "]"; }
  DStreamGraph& graph() const { return *graph_; }
  const std::shared_ptr<DStreamGraph>& graph_ptr() const { return graph_; }
  const std::vector<std::shared_ptr<DStreamBase>>& parents() const { return parents_; }

  // Time between two RDDs of this stream: the batch interval for inputs, the slide for
  // windows, the parent's otherwise.
  virtual Duration slide_duration() const;
  Time zero_time() const { return zero_time_; }
  // Batch times at which this stream produces an RDD: zero + k * slide, k >= 1.
  bool is_time_valid(Time t) const;

  // ---- set up by the graph at start(), before any batch ----
  void initialize(Time zero);
  // Whether an output depends on this stream (initialize ran).
  bool initialized() const { return initialized_; }
  // For operations users call on a stream directly (slice): std::logic_error naming the
  // stream and `what` unless the context started and an output depends on the stream.
  void require_initialized(const std::string& what) const;
  // Keep generated RDDs for at least d (Spark's remember), and tell the parents how long
  // they must keep theirs so that this stream can still be computed.
  void remember(std::optional<Duration> d);
  Duration remember_duration() const { return remember_; }
  // What a stateful stream needs before start(): a checkpoint directory. Returns the
  // operation that needs it ("update_state_by_key"), or nothing.
  virtual std::optional<std::string> requires_checkpoint() const { return std::nullopt; }

  // What an input stream learns at start(), before any receiver runs or batch is made.
  struct InputStart {
    std::optional<std::filesystem::path> checkpoint_dir;
    bool recovery_mode = false;          // made by get_or_create: checkpoint what a restart needs
    bool restarted = false;              // get_or_create found a previous run's checkpoint
    std::optional<Time> last_completed;  // of the previous run, when restarted
  };
  // Inputs: called once, before start() runs anything: by get_or_create's restore (so a
  // damaged log is reported there) or by start(). Inputs whose progress is part of the
  // checkpoint (write-ahead log, selected files) open it here.
  virtual void prepare_start(const InputStart&) {}

  // ---- per batch, on the job generator's thread ----
  // Inputs take what arrived until t and generate their RDD of t, whether or not a
  // consumer asks for t (a window with a long slide skips times): every batch of input
  // is read exactly once. Other streams do nothing.
  virtual void allocate_batch(Time) {}
  // Forgets generated RDDs no longer needed after batch t completed. The graph calls it
  // once per stream, so it does not recurse.
  virtual void clear_metadata(Time) {}
  // After the last batch (stop): no job runs, so background checkpoints already written
  // can cut their lineage now instead of at a later batch's cleanup that never comes.
  virtual void complete_checkpoints() {}
  // Watermark streams (with_watermark): the late records of batch t and the watermark
  // after it (none yet: std::nullopt inside). Other streams: nothing. Called when batch t
  // has run (what its jobs did not read is read now); throws what kept the watermark
  // from moving.
  struct WatermarkReport {
    std::int64_t late_records = 0;
    std::optional<Time> watermark;
  };
  virtual std::optional<WatermarkReport> watermark_report(Time) { return std::nullopt; }
  // Generated RDDs this stream still holds (for tests of bounded memory).
  virtual std::size_t retained_rdds() const { return 0; }

  // ---- recovery (StreamingContext::get_or_create) ----
  // A recoverable stream's RDDs are what a restarted context needs to continue exactly:
  // state, windows and the batches a window still holds. In recovery mode the graph
  // checkpoints each of them at every slide and lists them in the metadata.
  void set_recoverable(bool r) { recoverable_ = r; }
  bool recoverable() const { return recoverable_; }
  // Generated on the job generator's thread: the job, run last in batch t, that makes
  // sure this stream's RDD of t is checkpointed; empty when there is nothing to do.
  virtual std::function<void()> recovery_checkpoint_job(Time) { return {}; }
  // Completed checkpoints of batches <= upto still needed: (time, dir, partitions).
  struct CheckpointedRdd {
    Time time;
    std::filesystem::path dir;
    std::size_t partitions;
  };
  virtual std::vector<CheckpointedRdd> checkpointed_rdds(Time /*upto*/) const { return {}; }
  // Checkpoint directories no longer needed; the graph deletes them once a metadata file
  // that does not list them has been written.
  virtual std::vector<std::filesystem::path> take_dropped_checkpoints() { return {}; }
  // Before the first batch of a restarted context: batches <= last_completed ran in the
  // previous run, so they are never computed again (only restored)...
  virtual void begin_recovery(Time /*last_completed*/) {}
  // ...and restore() puts back the RDD of batch t from its checkpoint files.
  virtual void restore(Time t, const std::filesystem::path& dir, std::size_t partitions);

  // Generated RDDs are cached (persisted) when set: done for streams with several
  // consumers and for parents of windows, so that each batch is computed once.
  void set_persist(bool p) { persist_ = p; }
  bool persisted() const { return persist_; }
  void set_checkpoint_interval(Duration d) { checkpoint_interval_ = d; }
  std::optional<Duration> checkpoint_interval() const { return checkpoint_interval_; }
  // Streams that truncate their own lineage but must work without ssc.checkpoint(dir)
  // (count_by_window) checkpoint into the Context's checkpoint directory instead.
  void set_checkpoint_without_dir(bool b) { checkpoint_without_dir_ = b; }
  // Where this stream's checkpoints go: <dir>/stream-<id>, or nothing.
  std::optional<std::filesystem::path> checkpoint_path() const;
  // Consumers: child streams and output operations. A second one turns persistence on.
  void add_consumer();

 protected:
  // How long the parents must remember their RDDs for this stream (windows: + length).
  virtual Duration parent_remember_duration() const { return remember_; }

  // Streams keep their graph alive; the graph holds only outputs and inputs, and drops
  // them when the StreamingContext goes, which breaks the cycle.
  std::shared_ptr<DStreamGraph> graph_;

 private:
  std::vector<std::shared_ptr<DStreamBase>> parents_;
  std::string op_;
  int id_;
  // Set before start(), then only read (the graph's start() happens-before every batch).
  Time zero_time_{0};
  bool initialized_ = false;
  Duration remember_{0};
  bool persist_ = false;
  std::optional<Duration> checkpoint_interval_;
  bool checkpoint_without_dir_ = false;
  bool recoverable_ = false;
  int consumers_ = 0;
};

}  // namespace rill::detail
