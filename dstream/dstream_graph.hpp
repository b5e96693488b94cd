// DStreamGraph: the streams of one StreamingContext (Spark's DStreamGraph): which are
// inputs, which are outputs, the batch interval, and the per-batch steps the job
// generator drives: allocate input, generate one job per output, clear old metadata.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/checkpoint_metadata.hpp>
#include <rill/dstream/dstream_base.hpp>
#include <rill/dstream/output_stream.hpp>
#include <rill/dstream/stream_errors.hpp>
#include <rill/rdd/context.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rill::detail {

class ReceiverSupervisorBase;

struct OutputJob {
  std::size_t output_index;  // definition order of the output operation
  std::function<void()> run;
};

class DStreamGraph {
 public:
  DStreamGraph(Context ctx, Duration batch_interval);

  const Context& context() const { return ctx_; }
  Duration batch_interval() const { return batch_interval_; }
  // Unique in the process: names this graph's files in a shared checkpoint directory.
  std::uint64_t uid() const { return uid_; }

  // ---- stream registry (any thread that defines streams; before start) ----
  int register_stream();
  void add_input(std::shared_ptr<DStreamBase> input, ReceiverSupervisorBase* receiver = nullptr);
  void add_output(std::shared_ptr<OutputStream> output);
  void check_not_started(const std::string& what) const;
  bool started() const;

  void set_checkpoint_dir(std::filesystem::path dir);
  std::optional<std::filesystem::path> checkpoint_dir() const;
  void remember(Duration d);

  // ---- recovery (StreamingContext::get_or_create) ----
  // Recovery mode: recoverable streams checkpoint every slide and every batch ends by
  // writing the metadata that lists their checkpoints.
  void set_recovery_mode(bool on);
  bool recovery_mode() const;
  // Before start() (at get_or_create): checks that the graph is the one that wrote
  // `previous` and puts back the checkpointed RDDs it lists, reading and checking every
  // part file, so that a damaged checkpoint is an error before anything runs.
  void restore_from(const CheckpointMetadata& previous);
  // Writes <checkpoint dir>/metadata (nothing without a checkpoint dir), then deletes the
  // checkpoints that the streams dropped before it. Serialised: any thread.
  void write_metadata(std::optional<Time> last_completed);

  // Validates and freezes the graph; zero is the time before the first batch.
  void start(Time zero);
  std::vector<ReceiverSupervisorBase*> receivers() const;

  // ---- per batch, on the job generator's thread ----
  void allocate_batch(Time t);
  std::vector<OutputJob> generate_jobs(Time t);
  // Called once batch t has completed, in time order.
  void clear_metadata(Time t);
  // Called by stop() once no job runs and the checkpoint writer has drained.
  void complete_checkpoints();
  // Inputs report how many records they brought into batch t.
  void report_input(Time t, std::int64_t records);
  std::int64_t take_input_records(Time t);
  // After batch t was generated: its late records and watermark over every watermark
  // stream (BatchInfo's num_late_records and watermark).
  DStreamBase::WatermarkReport watermark_report(Time t);

  // ---- errors of input streams that are not receivers (any thread) ----
  // Counts the error and posts on_stream_error to the listeners while the context runs
  // (before start() and after stop() it goes to stderr instead).
  void report_stream_error(int stream_id, const std::string& name, const std::string& message) {
    stream_errors_.report(stream_id, name, message);
  }
  // This stream's errors so far.
  std::int64_t stream_errors(int stream_id) const { return stream_errors_.count(stream_id); }
  // The JobScheduler's listener bus, from start() until stop() (empty: none).
  void set_stream_error_sink(StreamErrors::Sink sink) { stream_errors_.set_sink(std::move(sink)); }

  std::size_t retained_rdds() const;
  std::size_t num_outputs() const;
  // Drops inputs and outputs: the StreamingContext is going away.
  void release();

 private:
  void apply_restore(const CheckpointMetadata& m);                       // with mutex_ held
  std::vector<std::shared_ptr<DStreamBase>> streams_of_outputs() const;  // with mutex_ held
  void prepare_inputs(const DStreamBase::InputStart& start);             // with mutex_ held

  Context ctx_;
  const Duration batch_interval_;
  const std::uint64_t uid_;
  mutable std::mutex mutex_;
  // All guarded by mutex_.
  int next_id_ = 0;
  // Every stream an output depends on, fixed at start(): validated, initialized, and
  // visited once per batch to clear old RDDs.
  std::vector<std::shared_ptr<DStreamBase>> active_;
  std::vector<std::shared_ptr<DStreamBase>> inputs_;
  std::vector<ReceiverSupervisorBase*> receivers_;  // owned by their input streams
  std::vector<std::shared_ptr<OutputStream>> outputs_;
  std::optional<std::filesystem::path> checkpoint_dir_;
  std::optional<Duration> remember_;
  bool started_ = false;
  Time zero_{0};
  bool recovery_mode_ = false;
  // Set by restore_from: the previous run's last completed batch (none if it completed
  // none), for the inputs' prepare_start.
  std::optional<std::optional<Time>> restarted_;
  std::mutex metadata_mutex_;  // one metadata writer at a time
  std::map<Time, std::int64_t> input_records_;
  StreamErrors stream_errors_;  // thread safe on its own
};

}  // namespace rill::detail
