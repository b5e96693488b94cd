#include <algorithm>
#include <cctype>
#include <chrono>
#include <rill/io/jetstream_input.hpp>
#include <stdexcept>
#include <thread>

namespace rill::detail {
namespace {

std::vector<std::string> tokens(const std::string& subject) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = subject.find('.', start)) != std::string::npos; start = dot + 1)
    out.push_back(subject.substr(start, dot - start));
  out.push_back(subject.substr(start));
  return out;
}

bool has_space_or_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 127; });
}

void check_url(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    throw std::invalid_argument("jetstream_direct_stream: server URL '" + url + "' " + why);
  };
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) bad("has no scheme (want nats://host:port)");
  const auto proto = url.substr(0, scheme);
  if (proto != "nats" && proto != "tls") bad("has scheme '" + proto + "' (want nats or tls)");
  auto rest = url.substr(scheme + 3);
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (rest.empty() || has_space_or_control(rest) || rest.find('/') != std::string::npos)
    bad("has no valid host");
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return;  // the default port
  const auto port = rest.substr(colon + 1);
  if (colon == 0 || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      std::stoi(port) < 1 || std::stoi(port) > 65535)
    bad("has port '" + port + "' (want 1-65535)");
}

void check_stream(const std::string& stream) {
  if (stream.empty() || has_space_or_control(stream) ||
      stream.find_first_of(".*>/\\") != std::string::npos)
    throw std::invalid_argument("jetstream_direct_stream: stream name '" + stream +
                                "' is not valid (no spaces, '.', '*', '>', '/' or '\\')");
}

void check_subject(const std::string& subject) {
  auto t = tokens(subject);
  bool ok = !subject.empty() && !has_space_or_control(subject);
  for (std::size_t i = 0; ok && i < t.size(); ++i)
    ok = !t[i].empty() &&
         (t[i] == "*" || t[i] == ">" || t[i].find_first_of("*>") == std::string::npos) &&
         (t[i] != ">" || i + 1 == t.size());
  if (!ok)
    throw std::invalid_argument("jetstream_direct_stream: subject filter '" + subject +
                                "' is not a valid NATS subject");
}

// Whether some subject matches both filters: then a message would be read twice.
bool overlap(const std::string& a, const std::string& b) {
  auto ta = tokens(a), tb = tokens(b);
  for (std::size_t i = 0; i < std::min(ta.size(), tb.size()); ++i) {
    if (ta[i] == ">" || tb[i] == ">") return true;
    if (ta[i] != "*" && tb[i] != "*" && ta[i] != tb[i]) return false;
  }
  return ta.size() == tb.size();
}

}  // namespace

JetStreamInputNode::JetStreamInputNode(std::shared_ptr<DStreamGraph> g, std::string url,
                                       std::string stream, std::vector<std::string> subjects,
                                       JetStreamOptions options)
    : DStreamNode<JetStreamMessage>(std::move(g), {}, "jetstream_direct_stream"),
      stream_(std::move(stream)),
      filters_(subjects.empty() ? std::vector<std::string>{""} : std::move(subjects)),
      options_(options),
      client_(url, options.request_timeout),
      controller_(graph().batch_interval()) {}

void JetStreamInputNode::RateController::on_batch_completed(const BatchInfo& info) {
  if (!info.processing_end_time || !info.processing_delay || !info.scheduling_delay) return;
  if (auto r = estimator.compute(*info.processing_end_time, info.num_records,
                                 *info.processing_delay, *info.scheduling_delay))
    rate.store(std::max<std::int64_t>(1, static_cast<std::int64_t>(*r)));
}

void JetStreamInputNode::prepare_start(const InputStart& start) {
  if (!start.recovery_mode || !start.checkpoint_dir) return;
  log_ = std::make_unique<SequenceRangeLog>(*start.checkpoint_dir / "inputs" / std::to_string(id()),
                                            start.restarted, start.last_completed);
  replay_ = log_->take_replay();
  std::lock_guard lock(mutex_);
  next_ = log_->next();
}

JetStreamInputNode::Parts JetStreamInputNode::read(SequenceRange r) {
  // The range is read unfiltered, and split by filter here: the stream's sequences are
  // contiguous and the range's last one is a stored message, so a read that ends before
  // it stopped early (seen under load: a pull fetch ending a few messages before the end
  // the stream info gave). The rest is fetched again; still short, the read fails and the
  // whole range is read again later — moving past it would lose those messages. A
  // filtered read could not tell such an early end from the end of its subjects.
  std::vector<JetStreamMessage> all;
  client_.read_range(stream_, "", r.first, r.last, all);
  const auto next = [&] { return all.empty() ? r.first : all.back().sequence + 1; };
  for (int attempt = 1; next() <= r.last && attempt <= 5; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10 * attempt));
    client_.read_range(stream_, "", next(), r.last, all);
  }
  if (next() <= r.last)
    throw JetStreamError("NATS " + client_.url() + ": reading '" + stream_ + "' [" +
                         std::to_string(r.first) + ", " + std::to_string(r.last) + "] ended at " +
                         std::to_string(next() - 1));
  Parts parts(filters_.size());
  if (filters_.size() == 1 && filters_[0].empty()) {
    parts[0] = std::move(all);
    return parts;
  }
  // A subject is literal, so "overlaps the filter" is "matches it"; filters never overlap.
  for (auto& m : all)
    for (std::size_t i = 0; i < filters_.size(); ++i)
      if (detail::overlap(filters_[i], m.subject)) {
        parts[i].push_back(std::move(m));
        break;
      }
  return parts;
}

JetStreamInputNode::Parts JetStreamInputNode::replay(Time t, SequenceRange r) {
  const auto deadline = std::chrono::steady_clock::now() + options_.replay_timeout;
  while (true) {
    try {
      // What retention removed meanwhile cannot be re-read: said, not silently dropped.
      if (const auto first = client_.stream_state(stream_).first_sequence; first > r.first)
        report("NATS " + client_.url() + ": stream '" + stream_ + "' no longer stores [" +
               std::to_string(r.first) + ", " + std::to_string(std::min(first - 1, r.last)) +
               "] of batch " + std::to_string(t.count()) + " (retention): those messages are lost");
      return read(r);
    } catch (const JetStreamError& e) {
      const std::string what = std::string(e.what()) + "; batch " + std::to_string(t.count()) +
                               " must re-read [" + std::to_string(r.first) + ", " +
                               std::to_string(r.last) + "] logged before the restart";
      if (std::chrono::steady_clock::now() >= deadline) throw JetStreamError(what);
      report(what + ", retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

std::optional<SequenceRange> JetStreamInputNode::next_range(Time t) {
  JetStreamClient::StreamState state;
  try {
    state = client_.stream_state(stream_);
  } catch (const JetStreamError& e) {
    report(e.what() + std::string("; the batch is empty, nothing is skipped"));
    return std::nullopt;
  }
  std::uint64_t next;
  {
    std::lock_guard lock(mutex_);
    if (!next_)
      next_ = options_.start_sequence == 0 ? state.last_sequence + 1 : options_.start_sequence;
    next = *next_;
  }
  if (state.last_sequence + 1 < next) {
    report("NATS " + client_.url() + ": stream '" + stream_ + "' ends at sequence " +
           std::to_string(state.last_sequence) + ", before the next one to read, " +
           std::to_string(next) + " (was it deleted and made again?)");
    return std::nullopt;
  }
  if (state.first_sequence > next && state.last_sequence >= next) {
    report("NATS " + client_.url() + ": stream '" + stream_ + "' no longer stores [" +
           std::to_string(next) + ", " + std::to_string(state.first_sequence - 1) +
           "] (retention): those messages are lost");
    next = state.first_sequence;
  }
  if (state.last_sequence < next) return std::nullopt;
  // The rate limit: Config::receiver_max_rate and the backpressure estimate bound the
  // messages of one batch by the time it covers.
  std::int64_t rate = graph().context().config().receiver_max_rate;
  if (graph().context().config().backpressure)
    if (auto est = controller_.rate.load(); est > 0) rate = rate > 0 ? std::min(rate, est) : est;
  std::uint64_t last = state.last_sequence;
  if (rate > 0) {
    auto covered = graph().batch_interval().count();
    if (covered <= 0) covered = previous_batch_ ? (t - *previous_batch_).count() : 1;
    const auto cap = std::max<std::int64_t>(1, rate * std::max<std::int64_t>(covered, 1) / 1000);
    last = std::min(last, next + static_cast<std::uint64_t>(cap) - 1);
  }
  return SequenceRange{next, last};
}

void JetStreamInputNode::allocate_batch(Time t) {
  Parts parts;
  if (!replay_.empty() && t <= replay_.rbegin()->first) {
    // Taken before the crash: exactly that range again (nothing if it had none).
    if (auto it = replay_.find(t); it != replay_.end()) {
      parts = replay(t, it->second);
      replay_.erase(replay_.begin(), std::next(it));
    }
  } else if (auto range = next_range(t)) {
    try {
      parts = read(*range);
      // Logged before any output of t can see the messages; next_ moves only after.
      if (log_) log_->record(t, *range);
      std::lock_guard lock(mutex_);
      next_ = range->last + 1;
    } catch (const JetStreamError& e) {
      parts.clear();
      report(e.what() + std::string("; the batch is empty, the range is read again"));
    }
  }
  previous_batch_ = t;
  partitions_.deliver(graph(), t, std::move(parts), [&] {
    if (initialized()) get_or_compute(t);
  });
}

std::optional<Rdd<JetStreamMessage>> JetStreamInputNode::compute(Time t) {
  return partitions_.rdd(graph().context(), t, "jetstream_direct_stream");
}

void JetStreamInputNode::clear_metadata(Time t) {
  DStreamNode<JetStreamMessage>::clear_metadata(t);
  if (!log_ || !log_->completed()) return;
  std::optional<std::uint64_t> next;
  {
    std::lock_guard lock(mutex_);
    next = next_;
  }
  if (next) log_->snapshot(t, *next);
}

}  // namespace rill::detail

namespace rill {

DStream<JetStreamMessage> jetstream_direct_stream(StreamingContext& ssc,
                                                  const std::string& server_url,
                                                  const std::string& stream,
                                                  std::vector<std::string> subjects,
                                                  JetStreamOptions options) {
  ssc.graph()->check_not_started("jetstream_direct_stream");
  detail::check_url(server_url);
  detail::check_stream(stream);
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    detail::check_subject(subjects[i]);
    for (std::size_t j = 0; j < i; ++j)
      if (detail::overlap(subjects[i], subjects[j]))
        throw std::invalid_argument("jetstream_direct_stream: subject filters '" + subjects[j] +
                                    "' and '" + subjects[i] +
                                    "' overlap (a message would be read twice)");
  }
  if (options.request_timeout.count() <= 0 || options.replay_timeout.count() <= 0)
    throw std::invalid_argument("jetstream_direct_stream: timeouts must be > 0 (request " +
                                std::to_string(options.request_timeout.count()) + " ms, replay " +
                                std::to_string(options.replay_timeout.count()) + " ms)");
  auto node = std::make_shared<detail::JetStreamInputNode>(ssc.graph(), server_url, stream,
                                                           std::move(subjects), options);
  ssc.graph()->add_input(node);
  if (ssc.context().config().backpressure) ssc.add_listener(node->rate_controller());
  return DStream<JetStreamMessage>(node);
}

}  // namespace rill
