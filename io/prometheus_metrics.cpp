#include <charconv>
#include <optional>
#include <rill/io/prometheus_metrics.hpp>
#include <system_error>

namespace rill::detail {

namespace {

// Milliseconds as seconds, shortest text that reads back exactly ("0.017", "1").
std::string seconds(std::int64_t ms) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(ms) / 1000.0);
  return std::string(buf, r.ptr);
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const char* name, const std::string& value, const std::string& labels = {}) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void counter(const char* name, const char* help, std::int64_t value) {
    family(name, "counter", help);
    sample(name, std::to_string(value));
  }
  // A gauge in seconds; no sample while the value is unknown.
  template <class D>
  void seconds_gauge(const char* name, const char* help, const std::optional<D>& d) {
    family(name, "gauge", help);
    if (d) sample(name, seconds(d->count()));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string prometheus_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prometheus_metrics(const BatchHistorySnapshot& s) {
  Exposition e;
  e.counter("rill_batches_completed_total", "Batches completed.", s.batches_completed);
  e.counter("rill_records_total", "Input records of the completed batches.", s.records);
  e.counter("rill_late_records_total",
            "Records of the completed batches below the event-time watermark.", s.late_records);
  e.counter("rill_receiver_errors_total", "Errors reported by receivers.", s.receiver_errors);
  e.counter("rill_stream_errors_total", "Errors reported by input streams that are not receivers.",
            s.stream_errors);
  e.seconds_gauge("rill_batch_interval_seconds", "The batch interval.",
                  std::optional<Duration>(s.batch_interval));

  std::int64_t processing = 0;
  for (const auto& b : s.active) processing += b.processing_start_time ? 1 : 0;
  e.family("rill_batches_active", "gauge", "Batches generated and not completed, by status.");
  e.sample("rill_batches_active", std::to_string(std::int64_t(s.active.size()) - processing),
           "status=\"queued\"");
  e.sample("rill_batches_active", std::to_string(processing), "status=\"processing\"");

  const BatchInfo* last = s.completed.empty() ? nullptr : &s.completed.back();
  const std::optional<Duration> none;
  e.seconds_gauge("rill_last_batch_time_seconds", "Batch time of the last completed batch.",
                  last ? std::optional<Time>(last->batch_time) : none);
  e.family("rill_last_batch_records", "gauge", "Input records of the last completed batch.");
  if (last) e.sample("rill_last_batch_records", std::to_string(last->num_records));
  e.seconds_gauge("rill_last_batch_scheduling_delay_seconds",
                  "Scheduling delay of the last completed batch (start - submission).",
                  last ? last->scheduling_delay : none);
  e.seconds_gauge("rill_last_batch_processing_delay_seconds",
                  "Processing delay of the last completed batch (end - start).",
                  last ? last->processing_delay : none);
  e.seconds_gauge("rill_last_batch_total_delay_seconds",
                  "Total delay of the last completed batch (end - batch time).",
                  last ? last->total_delay : none);
  e.seconds_gauge("rill_watermark_seconds", "Event-time watermark after the last completed batch.",
                  last ? last->watermark : none);

  e.family("rill_receiver_active", "gauge", "1 while the receiver runs, else 0.");
  for (const auto& r : s.receivers) {
    e.sample("rill_receiver_active", r.active ? "1" : "0",
             "stream_id=\"" + std::to_string(r.stream_id) + "\",name=\"" +
                 prometheus_label_value(r.name) + "\"");
  }
  return e.take();
}

}  // namespace rill::detail
