#include <nats/nats.h>

#include <algorithm>
#include <rill/io/jetstream_client.hpp>

namespace rill::detail {

// The connection and its JetStream context; cnats reconnects a lost connection by itself
// (requests fail meanwhile and are retried by the caller's next batch).
struct JetStreamClient::Connection {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
};

JetStreamClient::JetStreamClient(std::string server_url, Duration request_timeout)
    : url_(std::move(server_url)), timeout_(request_timeout) {}

JetStreamClient::~JetStreamClient() = default;

void JetStreamClient::fail(const std::string& what, int status) {
  std::string detail = natsStatus_GetText(static_cast<natsStatus>(status));
  natsStatus last = NATS_OK;
  if (const char* text = nats_GetLastError(&last); text && *text && detail != text)
    detail += std::string(": ") + text;
  // A closed connection (not one that is reconnecting) is made again by the next request.
  if (conn_ && natsConnection_IsClosed(conn_->nc)) conn_.reset();
  throw JetStreamError("NATS " + url_ + ": " + what + " failed (" + detail + ")");
}

JetStreamClient::Connection& JetStreamClient::connection() {
  if (conn_) return *conn_;
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url_.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, timeout_.count());
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);  // forever: a broker restarts
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  // A request made while disconnected fails at once instead of waiting out its timeout.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(opts, true);
  auto c = std::make_unique<Connection>();
  if (s == NATS_OK) s = natsConnection_Connect(&c->nc, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) fail("connect", s);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = timeout_.count();
  if ((s = natsConnection_JetStream(&c->js, c->nc, &jo)) != NATS_OK) fail("JetStream context", s);
  conn_ = std::move(c);
  return *conn_;
}

JetStreamClient::StreamState JetStreamClient::stream_state(const std::string& stream) {
  auto& c = connection();
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, c.js, stream.c_str(), nullptr, &err);
  if (s == NATS_NOT_FOUND) throw JetStreamError("NATS " + url_ + ": no stream '" + stream + "'");
  if (s != NATS_OK) fail("info of stream '" + stream + "'", s);
  StreamState st{si->State.FirstSeq, si->State.LastSeq};
  jsStreamInfo_Destroy(si);
  return st;
}

void JetStreamClient::read_range(const std::string& stream, const std::string& filter,
                                 std::uint64_t from, std::uint64_t to,
                                 std::vector<JetStreamMessage>& out) {
  if (from > to) return;
  auto& c = connection();
  const std::string what = "reading '" + stream + "' [" + std::to_string(from) + ", " +
                           std::to_string(to) + "]" + (filter.empty() ? "" : " of " + filter);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = from;
  so.Config.AckPolicy = js_AckNone;
  // A consumer a crash left behind goes away on its own.
  so.Config.InactiveThreshold = std::int64_t{30} * 1'000'000'000;
  natsSubscription* sub = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  // No filter: the stream's own subjects (cnats needs a subject; ">" matches them all).
  natsStatus s = js_PullSubscribe(&sub, c.js, filter.empty() ? ">" : filter.c_str(), nullptr,
                                  nullptr, &so, &err);
  if (s != NATS_OK) fail(what, s);
  const auto expect = [&](natsStatus st) {
    if (st == NATS_OK) return;
    natsSubscription_Destroy(sub);
    fail(what, st);
  };
  for (std::uint64_t next = from; next <= to;) {
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    // At most what is left of the range: an unfiltered read fetches nothing beyond it.
    req.Batch = static_cast<int>(std::min<std::uint64_t>(to - next + 1, 1024));
    req.NoWait = true;  // the range is stored: nothing to wait for
    req.Expires = timeout_.count() * 1'000'000;
    natsMsgList list{nullptr, 0};
    s = natsSubscription_FetchRequest(&list, sub, &req);
    if (s == NATS_NOT_FOUND) break;  // no message matches from `next` on
    expect(s);
    bool done = list.Count == 0;
    for (int i = 0; i < list.Count && !done; ++i) {
      jsMsgMetaData* meta = nullptr;
      if ((s = natsMsg_GetMetaData(&meta, list.Msgs[i])) != NATS_OK) {
        natsMsgList_Destroy(&list);
        expect(s);
      }
      const auto seq = meta->Sequence.Stream;
      if (seq > to) {
        done = true;
      } else {
        const char* data = natsMsg_GetData(list.Msgs[i]);
        out.push_back({natsMsg_GetSubject(list.Msgs[i]), seq,
                       std::string(data ? data : "",
                                   static_cast<std::size_t>(natsMsg_GetDataLength(list.Msgs[i]))),
                       Time{meta->Timestamp / 1'000'000}});
        next = seq + 1;
        done = seq == to || meta->NumPending == 0;
      }
      jsMsgMetaData_Destroy(meta);
    }
    natsMsgList_Destroy(&list);
    if (done) break;
  }
  // Deletes the ephemeral consumer.
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
}

}  // namespace rill::detail
