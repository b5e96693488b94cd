// Written only against shared/API.md: word count, checked against a serial loop.
#include <filesystem>
#include <iostream>
#include <map>
#include <rill/rill.hpp>
#include <sstream>

int main() {
  std::vector<std::string> lines{"to be or not to be", "", "that is the question", "to be"};
  rill::Context ctx(rill::Config{.parallelism = 2, .default_partitions = 3});
  auto counts = ctx.parallelize(lines, 3)
                    .flat_map([](const std::string& l) {
                      std::vector<std::string> w;
                      std::istringstream in(l);
                      for (std::string s; in >> s;) w.push_back(s);
                      return w;
                    })
                    .map([](const std::string& w) {
                      return std::pair{w, 1L};
                    })
                    .reduce_by_key(std::plus<>{})
                    .collect_as_map();
  std::map<std::string, long> expected;
  for (const auto& l : lines) {
    std::istringstream in(l);
    for (std::string s; in >> s;) ++expected[s];
  }
  if (counts != expected) {
    std::cerr << "consumer: word counts differ from the serial reference\n";
    return 1;
  }
  {
    // The web UI's server (Boost.Beast, compiled into rill) links without more packages.
    rill::StreamingContext ssc(ctx, std::chrono::milliseconds(100));
    rill::WebUi ui(ssc, 0);
    if (ui.port() <= 0) {
      std::cerr << "consumer: the web UI has no port\n";
      return 1;
    }
  }
  // The SQLite sink links SQLite into the consumer through rill's package.
  const auto db = std::filesystem::temp_directory_path() / "rill_consumer_sink.db";
  std::filesystem::remove(db);
  rill::SqliteSink<std::pair<std::string, long>> sink(db.string(), "counts", {"word", "n"},
                                                      rill::SinkMode::upsert);
  sink(ctx.parallelize(std::vector<std::pair<std::string, long>>(counts.begin(), counts.end()), 2),
       rill::Time{1});
  const bool stored = sink.committed_batch_time() == rill::Time{1};
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  if (!stored) {
    std::cerr << "consumer: the SQLite sink did not record its batch\n";
    return 1;
  }
  std::cout << "consumer: ok, " << counts.size() << " words\n";
  return 0;
}
