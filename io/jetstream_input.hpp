// JetStreamInputNode: the input stream behind jetstream_direct_stream (Spark's
// DirectKafkaInputDStream). On the generator thread, per batch: the range to take (the
// logged one when the batch is re-run after a restart; else from the next sequence to
// the stream's last, capped by the rate), read per subject filter, logged, then handed
// to the batch's RDD. Internal: only jetstream_direct_stream.cpp includes it.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/input_partitions.hpp>
#include <rill/dstream/rate_estimator.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/jetstream_client.hpp>
#include <rill/io/jetstream_direct_stream.hpp>
#include <rill/io/sequence_range_log.hpp>
#include <string>
#include <vector>

namespace rill::detail {

class JetStreamInputNode final : public DStreamNode<JetStreamMessage> {
 public:
  JetStreamInputNode(std::shared_ptr<DStreamGraph> g, std::string url, std::string stream,
                     std::vector<std::string> subjects, JetStreamOptions options);
  void prepare_start(const InputStart& start) override;
  void allocate_batch(Time t) override;
  std::optional<Rdd<JetStreamMessage>> compute(Time t) override;
  void clear_metadata(Time t) override;

  // Backpressure (Spark's RateController): the rate the PID estimator derives from each
  // completed batch; a listener on the context calls it.
  StreamingListener& rate_controller() { return controller_; }

 private:
  using Parts = InputPartitions<JetStreamMessage>::Parts;
  // The messages of [r.first, r.last] per filter; throws JetStreamError.
  Parts read(SequenceRange r);
  // A re-run batch's logged range: retried until options_.replay_timeout.
  Parts replay(Time t, SequenceRange r);
  // A new range from next_ on, or nothing (empty batch) when the server cannot say.
  std::optional<SequenceRange> next_range(Time t);
  void report(const std::string& what) { graph().report_stream_error(id(), name(), what); }

  struct RateController final : StreamingListener {
    explicit RateController(Duration interval) : estimator(interval) {}
    void on_batch_completed(const BatchInfo& info) override;
    PidRateEstimator estimator;         // listener-bus thread only
    std::atomic<std::int64_t> rate{0};  // 0: no estimate yet
  };

  const std::string stream_;
  const std::vector<std::string> filters_;  // "" = the whole stream
  const JetStreamOptions options_;
  JetStreamClient client_;  // generator thread only
  RateController controller_;
  // Generator thread only, after prepare_start.
  std::unique_ptr<SequenceRangeLog> log_;
  std::map<Time, SequenceRange> replay_;
  std::optional<Time> previous_batch_;
  std::mutex mutex_;
  std::optional<std::uint64_t> next_;             // guarded by mutex_: next sequence to take
  InputPartitions<JetStreamMessage> partitions_;  // the messages of each batch
};

}  // namespace rill::detail
