// StreamingContext: the entry point of stream processing (Spark's StreamingContext).
// Defines input streams on a Context, then start() runs one batch per interval on the
// context's clock until stop(). Owns the stream graph and the job scheduler; streams
// built on it must not outlive it while it runs.
//
// Deterministic tests: pass a ManualClock, then per batch
//   clock->advance(interval); ssc.await_batch_completed(clock->now());
// await_batch_completed returns once the batch's output operations ran and its
// on_batch_completed events were delivered.
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <rill/dstream/clock.hpp>
#include <rill/dstream/dstream.hpp>
#include <rill/dstream/dstream_graph.hpp>
#include <rill/dstream/job_scheduler.hpp>
#include <rill/dstream/receiver.hpp>
#include <rill/dstream/streaming_listener.hpp>
#include <rill/io/socket_options.hpp>
#include <rill/rdd/context.hpp>
#include <string>

namespace rill {

class StreamingContext {
 public:
  // batch_interval 0 ms: each batch starts as soon as the previous one ended, at the
  // clock's time then. Negative intervals throw std::invalid_argument.
  StreamingContext(Context ctx, Duration batch_interval);
  StreamingContext(Context ctx, Duration batch_interval, std::shared_ptr<Clock> clock);
  ~StreamingContext();  // stops (not gracefully) if still running
  StreamingContext(StreamingContext&&) noexcept;
  StreamingContext& operator=(StreamingContext&&) noexcept;

  // ---- input streams ----
  // Batch i gets the i-th RDD of the queue (one_at_a_time) or every RDD queued so far
  // (unioned); an empty queue gives default_rdd if set, else an empty RDD.
  template <class T>
  DStream<T> queue_stream(std::deque<Rdd<T>> queue, bool one_at_a_time = true);
  template <class T>
  DStream<T> queue_stream(std::deque<Rdd<T>> queue, bool one_at_a_time, Rdd<T> default_rdd);
  // Runs the receiver on its own thread from start() to stop(); what it stores is cut
  // into blocks every Config::block_interval and each batch gets the blocks of its interval.
  template <class T>
  DStream<T> receiver_stream(std::unique_ptr<Receiver<T>> receiver);
  // The same for a std::unique_ptr<MyReceiver>, MyReceiver deriving from Receiver<T>.
  template <class R>
  auto receiver_stream(std::unique_ptr<R> receiver);
  // Lines received over TCP (implemented in io/socket_text_stream.cpp).
  DStream<std::string> socket_text_stream(const std::string& host, int port,
                                          SocketTextOptions options = {});
  // Lines of the files that appear in dir (see text_file_stream.hpp for the rules).
  DStream<std::string> text_file_stream(const std::string& dir);

  // ---- configuration, before start() ----
  // Directory for checkpoints of stateful streams and the context's metadata.
  void checkpoint(const std::string& dir);
  // Keep every stream's RDDs for at least d (for slice() or ad-hoc queries).
  void remember(Duration d);
  void add_listener(StreamingListener& listener);

  // ---- lifecycle ----
  void start();
  // graceful: receivers stop first and everything they stored is processed and output
  // before stop returns. Either way started batches finish, and no output callback runs
  // after stop returns. stop_context is accepted for Spark compatibility: a rill
  // Context needs no stopping (its threads go with the last handle).
  void stop(bool stop_context = true, bool graceful = false);
  // Both rethrow the first error of a job or of batch generation.
  void await_termination();
  bool await_termination_or_timeout(Duration timeout);

  // Spark's getOrCreate, reduced to what C++ allows: the stream graph (closures) cannot
  // be deserialised, so factory() always builds the context; the result checkpoints to
  // dir (set here if factory did not) and writes dir/metadata (batch interval, last
  // completed batch) at start and stop. Restoring state from an earlier run's
  // checkpoints is not implemented: stateful streams start empty.
  static StreamingContext get_or_create(const std::string& dir,
                                        const std::function<StreamingContext()>& factory);

  // ---- inspection and tests ----
  // Blocks until batch t completed and its events were delivered; throws
  // std::runtime_error after `limit` of real time or if the context stops first.
  void await_batch_completed(Time t, Duration limit = std::chrono::seconds(60));
  std::optional<Time> last_completed_batch() const;
  // RDDs currently held in the generated-RDD maps of all streams (bounded while running).
  std::size_t retained_rdds() const;
  Duration batch_interval() const { return graph_->batch_interval(); }
  const Context& context() const { return graph_->context(); }
  Clock& clock() const { return *clock_; }
  const std::shared_ptr<detail::DStreamGraph>& graph() const { return graph_; }

 private:
  void write_metadata();

  std::shared_ptr<detail::DStreamGraph> graph_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<detail::JobScheduler> scheduler_;
};

}  // namespace rill
