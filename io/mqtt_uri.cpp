#include <charconv>
#include <rill/io/mqtt_uri.hpp>
#include <stdexcept>
#include <string_view>

namespace rill::detail {

namespace {

[[noreturn]] void bad(const std::string& uri, const std::string& why) {
  throw std::invalid_argument("mqtt_stream: broker URI '" + uri + "' " + why);
}

}  // namespace

MqttUri MqttUri::parse(const std::string& uri) {
  std::string_view rest(uri);
  const auto scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos) bad(uri, "has no scheme (mqtt://host:port)");
  const auto scheme = rest.substr(0, scheme_end);
  if (scheme != "mqtt" && scheme != "tcp")
    bad(uri, "has scheme '" + std::string(scheme) + "'; only mqtt:// and tcp:// are supported");
  rest.remove_prefix(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos)
    bad(uri, "has a path, query or user part; give host[:port] only");

  MqttUri out;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {  // [v6 address]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) bad(uri, "has an unclosed '['");
    out.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad(uri, "has text after ']'");
      port = rest.substr(1);
      if (port.empty()) bad(uri, "has an empty port");
    }
  } else {
    const auto colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) bad(uri, "has an empty port");
    }
  }
  if (out.host.empty()) bad(uri, "has no host");
  if (!port.empty()) {
    int p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p < 1 || p > 65535)
      bad(uri, "has port '" + std::string(port) + "', not a number in 1-65535");
    out.port = p;
  }
  return out;
}

}  // namespace rill::detail
