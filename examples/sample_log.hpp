// SampleLog: a deterministic generator of Apache "combined" access-log lines, the demo's
// bundled sample data. A web shop's traffic: a few hundred URLs with Zipf-like popularity,
// GET/POST, 200/301/404/500 mixes, realistic sizes, referrers and user agents, plus two
// events that make a sliding window worth watching: a product that trends in the middle
// of the stream and an outage of the checkout API (a burst of 500s) near the end.
// Same seed, same lines, on every platform (no std:: distributions, which vary by library).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace rill::examples {

class SampleLog {
 public:
  // `duration_s` is the stream time the log spans; the trend and the outage are placed
  // relative to it. `start_epoch_s` is the wall-clock time of the first line.
  explicit SampleLog(double duration_s, std::uint64_t seed = 20260314,
                     std::int64_t start_epoch_s = 1773478800 /* 2026-03-14 09:00:00 UTC */)
      : duration_s_(std::max(duration_s, 1.0)), rng_(seed), start_epoch_s_(start_epoch_s) {
    build_catalog();
    build_clients();
  }

  // One request at stream time t (seconds since the first line).
  std::string line(double t) {
    const Page& page = pick_page(t);
    const Client& client = clients_[zipf_pick(client_cdf_)];
    const int status = pick_status(page, t);
    const char* method = page.post_share > 0 && uniform() < page.post_share ? "POST" : "GET";
    const std::int64_t bytes = status == 301   ? 230 + static_cast<std::int64_t>(uniform() * 40)
                               : status == 404 ? 512 + static_cast<std::int64_t>(uniform() * 200)
                               : status == 500 ? 180 + static_cast<std::int64_t>(uniform() * 60)
                                               : vary(page.bytes);
    std::string out;
    out.reserve(256);
    out += client.ip;
    out += " - ";
    out += client.user;
    out += ' ';
    out += timestamp(t);
    out += " \"";
    out += method;
    out += ' ';
    out += page.path;
    out += " HTTP/1.1\" ";
    out += std::to_string(status);
    out += ' ';
    out += std::to_string(bytes);
    out += " \"";
    out += referrer(page);
    out += "\" \"";
    out += client.agent;
    out += '"';
    return out;
  }

  // Where the story happens, as fractions of the duration (for the demo's narration).
  static constexpr double kTrendStart = 0.25, kTrendPeak = 0.5, kTrendEnd = 0.8;
  static constexpr double kOutageStart = 0.6, kOutageEnd = 0.8;
  static constexpr const char* kTrendingPath = "/products/aurora-headphones";
  static constexpr const char* kOutagePath = "/api/v1/checkout";

 private:
  struct Page {
    std::string path;
    double weight;          // popularity
    std::int64_t bytes;     // typical response size
    int fixed_status = 0;   // 301 (moved) or 404 (never existed) for every request
    double post_share = 0;  // share of POSTs
    double error_share = 0.004;
  };
  struct Client {
    std::string ip;
    std::string user;
    std::string agent;
  };

  // ---- randomness: splitmix64, identical everywhere ----
  std::uint64_t next() {
    std::uint64_t z = (rng_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::int64_t vary(std::int64_t typical) {
    return std::max<std::int64_t>(
        64, static_cast<std::int64_t>(static_cast<double>(typical) * (0.7 + 0.6 * uniform())));
  }

  static std::vector<double> cdf(const std::vector<double>& weights) {
    std::vector<double> c(weights.size());
    double sum = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) c[i] = (sum += weights[i]);
    for (auto& x : c) x /= sum;
    return c;
  }
  std::size_t zipf_pick(const std::vector<double>& c) {
    auto it = std::lower_bound(c.begin(), c.end(), uniform());
    return std::min<std::size_t>(static_cast<std::size_t>(it - c.begin()), c.size() - 1);
  }

  // ---- the shop ----
  void build_catalog() {
    // Rank order roughly as in a real shop's log; weights follow Zipf with s = 1.05.
    std::vector<Page> ranked = {
        {"/", 0, 10'240},
        {"/static/css/site.css", 0, 48'310},
        {"/static/js/app.js", 0, 182'044},
        {"/images/logo.svg", 0, 6'212},
        {"/products", 0, 22'871},
        {"/api/v1/recommendations", 0, 3'180},
        {"/search?q=headphones", 0, 19'422},
        {"/cart", 0, 8'420, 0, 0.3},
        {"/favicon.ico", 0, 1'150},
        {"/category/audio", 0, 25'600},
        {"/api/v1/cart", 0, 920, 0, 0.6},
        {"/login", 0, 5'120, 0, 0.5},
        {"/products/nimbus-keyboard", 0, 17'344},
        {"/category/computers", 0, 27'390},
        {"/robots.txt", 0, 312},
        {"/checkout", 0, 12'208, 0, 0.4},
        {kOutagePath, 0, 1'402, 0, 1.0, 0.01},
        {"/products/vega-monitor-27", 0, 18'020},
        {"/blog", 0, 14'880},
        {"/old-home", 0, 230, 301},
        {"/search?q=usb-c+hub", 0, 16'730},
        {"/wp-login.php", 0, 512, 404},
        {"/category/phones", 0, 24'410},
        {"/products/orbit-phone-x", 0, 21'502},
        {"/about", 0, 9'330},
        {"/sitemap.xml", 0, 40'960},
        {"/blog/feed", 0, 230, 301},
        {"/products/lumen-desk-lamp", 0, 15'230},
        {"/.env", 0, 512, 404},
        {"/contact", 0, 7'010, 0, 0.2},
        {kTrendingPath, 0, 19'870},
    };
    const char* products[] = {
        "pulse-earbuds",   "atlas-backpack", "ember-kettle",   "quartz-watch",
        "drift-mouse",     "summit-tent",    "cobalt-charger", "zen-yoga-mat",
        "pixel-camera-m2", "harbor-speaker", "glide-stylus",   "terra-bottle",
        "nova-tablet-11",  "flux-router",    "echo-mic",       "polar-jacket"};
    for (const char* p : products) ranked.push_back({std::string("/products/") + p, 0, 16'000});
    const char* posts[] = {"spring-sale",          "how-we-ship",      "choosing-headphones",
                           "monitor-buying-guide", "new-store-berlin", "warranty-faq"};
    for (const char* p : posts) ranked.push_back({std::string("/blog/2026/") + p, 0, 31'000});
    const char* terms[] = {"laptop", "charger", "earbuds", "backpack", "monitor", "sale", "gift"};
    for (const char* q : terms) ranked.push_back({std::string("/search?q=") + q, 0, 18'000});
    for (int i = 1; i <= 12; ++i)
      ranked.push_back({"/images/products/" + std::to_string(1000 + i * 37) + ".jpg", 0, 88'000});
    ranked.push_back({"/old-catalog.html", 0, 230, 301});
    ranked.push_back({"/admin/config.php", 0, 512, 404});
    ranked.push_back({"/products/discontinued-blender", 0, 512, 404});

    for (std::size_t r = 0; r < ranked.size(); ++r)
      ranked[r].weight = 1.0 / std::pow(static_cast<double>(r + 1), 1.05);
    pages_ = std::move(ranked);
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      if (pages_[i].path == kTrendingPath) trending_ = i;
      if (pages_[i].path == kOutagePath) outage_ = i;
      base_weights_.push_back(pages_[i].weight);
    }
    base_cdf_ = cdf(base_weights_);
  }

  void build_clients() {
    const char* agents[] = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "curl/8.5.0",
    };
    const double agent_weights[] = {30, 18, 20, 6, 14, 6, 3, 2, 1};
    const auto agent_cdf =
        cdf(std::vector<double>(std::begin(agent_weights), std::end(agent_weights)));
    std::vector<double> weights;
    for (int i = 0; i < 3000; ++i) {
      Client c;
      int a = 0;
      do {  // a public-looking unicast address: no 0/8, 10/8, 127/8, private or multicast
        a = 1 + static_cast<int>(next() % 223);
      } while (a == 10 || a == 127 || a == 172 || a == 192 || a == 100 || a == 169);
      c.ip = std::to_string(a) + '.' + std::to_string(next() % 256) + '.' +
             std::to_string(next() % 256) + '.' + std::to_string(1 + next() % 254);
      c.user = (next() % 20 == 0) ? "user" + std::to_string(100 + next() % 900) : "-";
      c.agent = agents[zipf_pick(agent_cdf)];
      clients_.push_back(std::move(c));
      weights.push_back(1.0 / std::pow(static_cast<double>(i + 1), 0.8));
    }
    client_cdf_ = cdf(weights);
  }

  // The trending product's weight ramps up to make it the top page at the peak, then fades.
  // During the outage, clients retrying the failing checkout call add to its traffic.
  const Page& pick_page(double t) {
    const double f = t / duration_s_;
    if (f >= kOutageStart && f < kOutageEnd && uniform() < 0.08) return pages_[outage_];
    if (f <= kTrendStart || f >= kTrendEnd) return pages_[zipf_pick(base_cdf_)];
    const double ramp = f < kTrendPeak ? (f - kTrendStart) / (kTrendPeak - kTrendStart)
                                       : (kTrendEnd - f) / (kTrendEnd - kTrendPeak);
    // Share of requests the trend takes on top of the normal traffic: up to 22 %.
    if (uniform() < 0.22 * ramp) return pages_[trending_];
    return pages_[zipf_pick(base_cdf_)];
  }

  int pick_status(const Page& page, double t) {
    if (page.fixed_status) return page.fixed_status;
    const double f = t / duration_s_;
    double error_share = page.error_share;
    if (f >= kOutageStart && f < kOutageEnd) {  // the payment backend is down
      if (page.path == kOutagePath) error_share = 0.9;
      if (page.path == "/checkout") error_share = 0.5;
      if (page.path == "/api/v1/cart") error_share = 0.3;
    }
    if (uniform() < error_share) return 500;
    if (page.path.rfind("/products/", 0) == 0 && uniform() < 0.04) return 404;  // stale links
    return 200;
  }

  std::string referrer(const Page& page) {
    const double u = uniform();
    if (page.path.rfind("/static/", 0) == 0 || page.path.rfind("/images/", 0) == 0 ||
        page.path.rfind("/api/", 0) == 0)
      return "https://shop.example.com/";
    if (u < 0.35) return "-";
    if (u < 0.6) return "https://www.google.com/";
    if (u < 0.7) return "https://duckduckgo.com/";
    if (u < 0.75) return "https://news.ycombinator.com/";
    return "https://shop.example.com" + pages_[zipf_pick(base_cdf_)].path;
  }

  std::string timestamp(double t) const {
    const std::time_t secs =
        static_cast<std::time_t>(start_epoch_s_ + static_cast<std::int64_t>(t));
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
    return buf;
  }

  double duration_s_;
  std::uint64_t rng_;
  std::int64_t start_epoch_s_;
  std::vector<Page> pages_;
  std::vector<double> base_weights_;
  std::vector<double> base_cdf_;
  std::size_t trending_ = 0;
  std::size_t outage_ = 0;
  std::vector<Client> clients_;
  std::vector<double> client_cdf_;
};

}  // namespace rill::examples
