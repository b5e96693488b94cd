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
#include <rill/io/mqtt_message.hpp>
#include <rill/io/mqtt_options.hpp>
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
  // Lines received over TCP (implemented in io/socket_text_stream.cpp). A port outside
  // 1-65535 is std::invalid_argument, here rather than at start().
  DStream<std::string> socket_text_stream(const std::string& host, int port,
                                          SocketTextOptions options = {});
  // Messages on an MQTT topic filter (implemented in io/mqtt_stream.cpp, on libmosquitto):
  // broker_uri "mqtt://host[:port]" or "tcp://host[:port]", qos 0-2. A bad URI, topic
  // filter, QoS or option is std::invalid_argument naming it, here rather than at start().
  DStream<MqttMessage> mqtt_stream(const std::string& broker_uri, const std::string& topic,
                                   int qos = 1, MqttOptions options = {});
  // Lines of the files that appear in dir (see text_file_stream.hpp for the rules);
  // new_files_only = false: the first batch also reads the files already there.
  DStream<std::string> text_file_stream(const std::string& dir, bool new_files_only = true);

  // ---- configuration, before start() ----
  // Directory for checkpoints of stateful streams and the context's metadata.
  void checkpoint(const std::string& dir);
  // Keep every stream's RDDs for at least d (for slice() or ad-hoc queries).
  void remember(Duration d);
  void add_listener(StreamingListener& listener);
  // Spark's removeStreamingListener; any time. Once it returns the listener gets no more
  // events (an event being delivered to it on another thread is waited for).
  void remove_listener(StreamingListener& listener);

  // ---- lifecycle ----
  void start();
  // graceful: receivers stop first and everything they stored is processed and output
  // before stop returns. Either way started batches finish, and no output callback runs
  // after stop returns. stop_context is accepted for Spark compatibility: a rill
  // Context needs no stopping (its threads go with the last handle).
  // Called from inside an output operation (foreach_rdd), stop() cannot wait for the
  // batch it runs in: it returns at once; that batch finishes its output operations, no
  // later batch starts (graceful or not: processing stored data would need later
  // batches), and await_termination() returns once everything has ended. Called from a
  // transform function or a StreamingListener callback, it also returns at once and
  // another thread performs the stop (graceful as asked). Calling stop() again, or
  // before start(), is harmless; a stopped context cannot be started again.
  void stop(bool stop_context = true, bool graceful = false);
  // Both rethrow the first error of a job or of batch generation.
  void await_termination();
  bool await_termination_or_timeout(Duration timeout);

  // Spark's getOrCreate. Closures cannot be deserialised, so factory() always builds the
  // stream graph; it must build the same graph as the run that wrote dir (streams are
  // identified by definition order and operation; a different graph, batch interval or a
  // corrupt dir/metadata is an exception naming the file, never a silent fresh start).
  // The context checkpoints to dir, and in this mode every batch ends by checkpointing
  // what a restart needs (the RDD of each stateful stream: update_state_by_key,
  // map_with_state, reduce_by_key_and_window with an inverse, count_by_window, and the
  // batches a window still holds) and atomically rewriting dir/metadata. When dir holds
  // a previous run's metadata, start() continues that run:
  //  - batch times keep the old zero time and go on from the batch after the last
  //    completed one up to the clock's now: batches pending at the crash and those
  //    missed while down all run, back to back, none is skipped (the SystemClock's time
  //    is epoch milliseconds, so a new process continues the dead one's time line);
  //  - stateful streams and windows continue from their restored RDDs, so their results
  //    are those of an uninterrupted run (given the same input for the re-run batches);
  //  - text_file_stream gives a batch that had not completed the same files again, and
  //    reads every file no completed batch took; with Config::write_ahead_log, a
  //    receiver's batch that had not completed gets the same blocks again, and blocks
  //    stored (block store() returned) but not yet taken go to the next batch;
  //  - a queue_stream built by the factory feeds its first RDD to the first batch run
  //    after the restart, as in a fresh run.
  // Recovery needs a batch interval > 0.
  //
  // Exactly-once output: a batch that was running at the crash runs again after the
  // restart, with the same batch time, so its outputs run again. Outputs that are
  // idempotent per batch time (overwrite what is keyed by the time) are exactly-once;
  // save_as_text_files is: it writes each batch to a temporary directory and renames it
  // to prefix-<time>[.suffix], replacing the output of an earlier attempt, so readers
  // never see a duplicated or half-written batch. foreach_rdd side effects that append
  // are at-least-once.
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
  void write_metadata() noexcept;

  std::shared_ptr<detail::DStreamGraph> graph_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<detail::JobScheduler> scheduler_;
};

}  // namespace rill
