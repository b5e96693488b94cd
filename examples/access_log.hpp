// Parsing Apache "combined" access-log lines, for the examples:
//   ip - user [14/Mar/2026:09:00:05 +0000] "GET /path HTTP/1.1" 200 1234 "referrer" "agent"
// Lines that do not look like that yield nothing (the examples count them as skipped).
#pragma once
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rill::examples {

struct AccessRecord {
  std::string path;
  int status = 0;
  // The line's [time] in seconds since the Unix epoch (UTC); none if it has no valid one.
  std::optional<std::int64_t> epoch_s;
};

inline std::optional<AccessRecord> parse_access_line(const std::string& line) {
  const auto q1 = line.find('"');
  if (q1 == std::string::npos) return std::nullopt;
  const auto q2 = line.find('"', q1 + 1);
  if (q2 == std::string::npos) return std::nullopt;
  std::string_view request(line.data() + q1 + 1, q2 - q1 - 1);  // GET /path HTTP/1.1
  const auto sp1 = request.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  auto path = request.substr(sp1 + 1);
  path = path.substr(0, path.find(' '));
  int status = 0;
  std::size_t i = q2 + 1;
  while (i < line.size() && line[i] == ' ') ++i;
  for (; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i)
    status = status * 10 + (line[i] - '0');
  if (path.empty() || status < 100 || status > 599) return std::nullopt;

  AccessRecord r{std::string(path), status, std::nullopt};
  const auto b = line.find('[');
  std::tm tm{};
  const char* rest = b == std::string::npos || b > q1
                         ? nullptr
                         : ::strptime(line.c_str() + b + 1, "%d/%b/%Y:%H:%M:%S", &tm);
  if (rest) {
    int offset = 0;  // +hhmm east of UTC
    char sign = '+';
    if (std::sscanf(rest, " %c%4d", &sign, &offset) == 2 && (sign == '+' || sign == '-')) {
      const int secs = (offset / 100 * 3600 + offset % 100 * 60) * (sign == '-' ? -1 : 1);
      r.epoch_s = static_cast<std::int64_t>(::timegm(&tm)) - secs;
    }
  }
  return r;
}

// (path, status) of a well-formed line, as flat_map wants it.
inline std::vector<std::pair<std::string, int>> parse_request(const std::string& line) {
  auto r = parse_access_line(line);
  if (!r) return {};
  return {{std::move(r->path), r->status}};
}

}  // namespace rill::examples
