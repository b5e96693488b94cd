// StreamingContext::socket_text_stream (Spark's socketTextStream): a receiver stream
// whose receiver is a SocketReceiver. Defined here so that the dstream layer does not
// depend on Boost.Asio.
#include <memory>
#include <rill/dstream/receiver_input_stream.hpp>
#include <rill/dstream/streaming_context.hpp>
#include <rill/io/socket_receiver.hpp>
#include <utility>

namespace rill {

DStream<std::string> StreamingContext::socket_text_stream(const std::string& host, int port,
                                                          SocketTextOptions options) {
  // As a Receiver<std::string> pointer, so the element type is plain to every
  // receiver_stream overload.
  std::unique_ptr<Receiver<std::string>> receiver =
      std::make_unique<detail::SocketReceiver>(host, port, options);
  return receiver_stream(std::move(receiver));
}

}  // namespace rill
