// socket_text_stream refuses ports outside TCP's 1-65535 when the stream is defined,
// instead of truncating them to 16 bits and connecting somewhere else.
#include <gtest/gtest.h>

#include <chrono>
#include <rill/rill.hpp>
#include <stdexcept>
#include <string>

namespace rill::test {
namespace {

using namespace std::chrono_literals;

TEST(SocketTextStreamPort, PortsOutsideTheTcpRangeAreRefusedAtDefinition) {
  Context ctx(Config{.parallelism = 2});
  StreamingContext ssc(ctx, 100ms);
  for (int port : {70000, 65536, 0, -1}) {
    try {
      ssc.socket_text_stream("127.0.0.1", port);
      ADD_FAILURE() << "port " << port << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(ssc.socket_text_stream("127.0.0.1", 1));
  EXPECT_NO_THROW(ssc.socket_text_stream("127.0.0.1", 65535));
}

}  // namespace
}  // namespace rill::test
