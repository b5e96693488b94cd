// PidRateEstimator: the backpressure rate for receivers (Spark's PIDRateEstimator), used
// when Config::backpressure is set. After each batch it compares the rate the batch was
// processed at with the rate records came in and steers towards the former; the
// scheduling delay (records piling up) pulls the rate further down.
#pragma once
#include <algorithm>
#include <optional>
#include <rill/dstream/time.hpp>

namespace rill::detail {

class PidRateEstimator {
 public:
  PidRateEstimator(Duration batch_interval, double proportional = 1.0, double integral = 0.2,
                   double derivative = 0.0, double min_rate = 100.0)
      : interval_ms_(static_cast<double>(std::max<std::int64_t>(batch_interval.count(), 1))),
        p_(proportional),
        i_(integral),
        d_(derivative),
        min_rate_(min_rate) {}

  // A new rate in records/s, or nothing when the batch says nothing about it (no records,
  // no measurable processing time, or times that do not move forward).
  std::optional<double> compute(Time batch_end, std::int64_t records, Duration processing_delay,
                                Duration scheduling_delay) {
    if (records <= 0 || processing_delay.count() <= 0) return std::nullopt;
    if (last_time_ && batch_end <= *last_time_) return std::nullopt;
    const double processing_rate =
        static_cast<double>(records) / static_cast<double>(processing_delay.count()) * 1000.0;
    if (!last_time_) {
      last_time_ = batch_end;
      latest_rate_ = processing_rate;
      latest_error_ = 0;
      return latest_rate_;
    }
    const double since = static_cast<double>((batch_end - *last_time_).count()) / 1000.0;
    const double error = latest_rate_ - processing_rate;
    const double historical_error =
        static_cast<double>(scheduling_delay.count()) * processing_rate / interval_ms_;
    const double d_error = (error - latest_error_) / since;
    const double rate =
        std::max(latest_rate_ - p_ * error - i_ * historical_error - d_ * d_error, min_rate_);
    last_time_ = batch_end;
    latest_rate_ = rate;
    latest_error_ = error;
    return rate;
  }

 private:
  double interval_ms_, p_, i_, d_, min_rate_;
  std::optional<Time> last_time_;
  double latest_rate_ = -1;
  double latest_error_ = -1;
};

}  // namespace rill::detail
