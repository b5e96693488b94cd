// Dashboard: how rill_demo shows each batch on the terminal: the window's top URLs with
// their share, a bar and how their rank moved since the last batch, and the mix of status
// codes. Colour only when stdout is a terminal (and NO_COLOR is unset).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace rill::examples {

// What one batch shows: filled in by the demo's output operations.
struct BatchView {
  std::int64_t batch_seconds = 0;  // batch time, seconds since the stream started
  std::int64_t batch_lines = 0;    // lines that arrived in this batch
  std::vector<std::pair<std::string, std::int64_t>> urls;  // window hits per URL
  std::map<int, std::int64_t> statuses;                    // window hits per status code
  std::map<int, std::int64_t> batch_statuses;              // this batch's hits per status code
};

inline std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

class Dashboard {
 public:
  Dashboard(std::ostream& out, bool color, int window_seconds, std::size_t top_n)
      : out_(out), color_(color), window_seconds_(window_seconds), top_n_(top_n) {}

  void header(const std::string& source, const std::string& batch) {
    out_ << paint(kBold, "rill demo") << " · live Apache access log from " << source << '\n'
         << batch << " batches · top " << top_n_ << " URLs and status codes over a "
         << window_seconds_ << " s window that slides every batch\n";
  }

  void show(BatchView view) {
    std::sort(view.urls.begin(), view.urls.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::int64_t window_total = 0;
    for (const auto& [code, n] : view.statuses) window_total += n;

    std::ostringstream s;
    std::string title = "━━ t = " + std::to_string(view.batch_seconds) + " s ";
    s << '\n'
      << paint(kBold, title + rule(kWidth - static_cast<int>(display_width(title)))) << '\n';
    s << "   " << paint(kBold, with_commas(view.batch_lines)) << " lines in this batch · "
      << paint(kBold, with_commas(window_total)) << " requests in the last " << window_seconds_
      << " s\n";
    if (view.urls.empty()) {
      s << paint(kDim, "   (no requests in the window yet)") << '\n';
    } else {
      s << paint(kDim, "   " + pad_left("#", 3) + "       " + pad_right("URL", kUrlWidth) +
                           pad_left("hits", 10) + "  " + pad_left("share", 6))
        << '\n';
      const auto top = std::min(top_n_, view.urls.size());
      const double max_hits = static_cast<double>(view.urls.front().second);
      std::map<std::string, std::size_t> ranks;
      for (std::size_t i = 0; i < top; ++i) {
        const auto& [url, hits] = view.urls[i];
        ranks[url] = i + 1;
        const double share =
            window_total ? 100.0 * static_cast<double>(hits) / static_cast<double>(window_total)
                         : 0;
        char nums[64];
        std::snprintf(nums, sizeof nums, "%10s  %5.1f%%", with_commas(hits).c_str(), share);
        s << "   " << pad_left(std::to_string(i + 1), 3) << "  " << movement(url, i + 1) << "  "
          << pad_right(shorten(url, kUrlWidth), kUrlWidth) << nums << "  "
          << paint(kBlue, bar(static_cast<double>(hits) / max_hits, kBarWidth)) << '\n';
      }
      previous_ranks_ = std::move(ranks);
    }
    s << "   status  " << pad_right("last " + std::to_string(window_seconds_) + " s", 11)
      << statuses(view.statuses) << '\n';
    s << "           " << pad_right("this batch", 11) << statuses(view.batch_statuses) << '\n';
    out_ << s.str() << std::flush;
  }

  void footer(const std::string& text) { out_ << '\n' << paint(kBold, text) << '\n' << std::flush; }

 private:
  static constexpr int kWidth = 92;
  static constexpr std::size_t kUrlWidth = 40;
  static constexpr int kBarWidth = 24;
  static constexpr const char* kBold = "\033[1m";
  static constexpr const char* kDim = "\033[2m";
  static constexpr const char* kRed = "\033[31m";
  static constexpr const char* kBoldRed = "\033[1;31m";
  static constexpr const char* kGreen = "\033[32m";
  static constexpr const char* kYellow = "\033[33m";
  static constexpr const char* kBlue = "\033[34m";
  static constexpr const char* kCyan = "\033[36m";

  std::string statuses(const std::map<int, std::int64_t>& counts) const {
    std::int64_t total = 0;
    for (const auto& [code, n] : counts) total += n;
    if (total == 0) return paint(kDim, "-");
    std::string out;
    for (const auto& [code, n] : counts) {
      const double share = 100.0 * static_cast<double>(n) / static_cast<double>(total);
      char pct[32];
      std::snprintf(pct, sizeof pct, " (%.1f%%)", share);
      const char* colour = code >= 500   ? (share >= 2.0 ? kBoldRed : kRed)
                           : code >= 400 ? kYellow
                           : code >= 300 ? kCyan
                                         : kGreen;
      if (!out.empty()) out += paint(kDim, " · ");
      out += paint(colour, std::to_string(code)) + ' ' + with_commas(n) + pct;
    }
    return out;
  }

  std::string paint(const char* code, const std::string& text) const {
    return color_ ? code + text + "\033[0m" : text;
  }

  // How the URL's rank changed since the previous batch: ▲n, ▼n, "new", or blank.
  std::string movement(const std::string& url, std::size_t rank) const {
    if (previous_ranks_.empty()) return "   ";
    auto it = previous_ranks_.find(url);
    if (it == previous_ranks_.end()) return paint(kYellow, "new");
    if (it->second == rank) return "   ";
    const auto delta = static_cast<long>(it->second) - static_cast<long>(rank);
    const std::string text =
        (delta > 0 ? "▲" : "▼") + pad_right(std::to_string(std::labs(delta)), 2);
    return paint(delta > 0 ? kGreen : kRed, text);
  }

  // A bar of `fraction` of `width` cells, in eighths of a cell.
  static std::string bar(double fraction, int width) {
    static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    const int eighths = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width * 8));
    std::string out;
    for (int i = 0; i < eighths / 8; ++i) out += "█";
    out += kEighths[eighths % 8];
    return out;
  }

  static std::string rule(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += "━";
    return out;
  }
  // Characters on screen, counting a UTF-8 sequence as one.
  static std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  }
  static std::string shorten(const std::string& s, std::size_t width) {
    return s.size() <= width ? s : s.substr(0, width - 3) + "...";
  }
  static std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
  }
  static std::string pad_left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
  }

  std::ostream& out_;
  const bool color_;
  const int window_seconds_;
  const std::size_t top_n_;
  std::map<std::string, std::size_t> previous_ranks_;
};

}  // namespace rill::examples
