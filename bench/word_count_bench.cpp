// Word count over a generated text file (RILL_BENCH_MB, default 200 MB; Zipf-distributed
// vocabulary of 100k words, lines of 5-20 words), three ways: rill's
// text_file.flat_map.map.reduce_by_key (with a vector-returning split, and in the emitter
// form, also emitting the pairs directly), a serial loop, and a TBB loop over byte ranges
// with per-thread hash maps. The twins use rill's aggregation table (detail::FlatHashMap);
// a fourth variant, tbb_umap, is the TBB twin with std::unordered_map (detail::HashMap).
#include <fcntl.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <rill/rill.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"

namespace rill_bench {
namespace {

using Counts = rill::detail::FlatHashMap<std::string, std::int64_t>;
using UmapCounts = rill::detail::HashMap<std::string, std::int64_t>;

struct Totals {
  std::int64_t distinct = 0;
  std::int64_t words = 0;
  bool operator==(const Totals&) const = default;
};

// The generated input: written once per process, removed at exit.
class TextInput {
 public:
  static const TextInput& get() {
    static TextInput input;
    return input;
  }
  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  const Totals& expected() const { return expected_; }

  TextInput(const TextInput&) = delete;
  TextInput& operator=(const TextInput&) = delete;
  ~TextInput() {
    if (env_int("RILL_BENCH_KEEP_FILE", 0)) {
      std::fprintf(stderr, "kept %s\n", path_.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

 private:
  TextInput() {
    const std::uint64_t target = std::uint64_t(env_int("RILL_BENCH_MB", 200)) << 20;
    path_ = (std::filesystem::temp_directory_path() /
             ("rill-bench-words-" + std::to_string(::getpid()) + ".txt"))
                .string();
    std::uint64_t rng = 20240601;
    auto next = [&] { return splitmix64(rng++); };

    constexpr std::size_t kVocabulary = 100'000;
    std::vector<std::string> vocab(kVocabulary);
    UmapCounts unique;  // distinct words, so that distinct indices are distinct words
    for (auto& w : vocab) {
      do {
        w.clear();
        const std::size_t len = 2 + next() % 9;  // 2..10 letters
        for (std::size_t i = 0; i < len; ++i) w.push_back(char('a' + next() % 26));
      } while (!unique.emplace(w, 0).second);
    }
    std::vector<double> cdf(kVocabulary);  // Zipf, s = 1
    double sum = 0;
    for (std::size_t k = 0; k < kVocabulary; ++k) cdf[k] = (sum += 1.0 / double(k + 1));
    for (auto& c : cdf) c /= sum;

    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot create " + path_);
    std::string block;
    block.reserve((1 << 20) + 512);
    std::vector<bool> seen(kVocabulary);
    while (size_ < target) {
      const std::size_t words = 5 + next() % 16;  // 5..20 words
      for (std::size_t i = 0; i < words; ++i) {
        const double u = double(next() >> 11) * 0x1.0p-53;
        const auto k = std::min<std::size_t>(
            std::size_t(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()),
            kVocabulary - 1);
        if (i) block.push_back(' ');
        block += vocab[k];
        seen[k] = true;
        ++expected_.words;
      }
      block.push_back('\n');
      if (block.size() >= (1 << 20)) {
        std::fwrite(block.data(), 1, block.size(), f);
        size_ += block.size();
        block.clear();
      }
    }
    std::fwrite(block.data(), 1, block.size(), f);
    size_ += block.size();
    std::fclose(f);
    expected_.distinct = std::count(seen.begin(), seen.end(), true);
  }

  std::string path_;
  std::uint64_t size_ = 0;
  Totals expected_;
};

inline bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Counts one word; key is a reused buffer so that known words cost no allocation.
inline void add_word(Counts& counts, std::string& key, const char* s, std::size_t n) {
  key.assign(s, n);
  const std::size_t h = Counts::hash(key);
  if (auto* e = counts.find(key, h))
    ++e->second;
  else
    counts.insert_new(h, key, 1);
}
inline void add_word(UmapCounts& counts, std::string& key, const char* s, std::size_t n) {
  key.assign(s, n);
  auto it = counts.find(key);
  if (it == counts.end())
    counts.emplace(key, 1);
  else
    ++it->second;
}

Totals totals_of(const Counts& counts) {
  Totals t{std::int64_t(counts.size()), 0};
  counts.for_each([&](const auto& kv) { t.words += kv.second; });
  return t;
}
// Any range of (word, count) pairs: an unordered_map, or what a rill pipeline collects.
template <class Pairs>
Totals totals_of(const Pairs& counts) {
  Totals t{std::int64_t(counts.size()), 0};
  for (const auto& kv : counts) t.words += kv.second;
  return t;
}

void check(benchmark::State& state, const Totals& got) {
  const Totals& want = TextInput::get().expected();
  if (!(got == want))
    state.SkipWithError(("wrong result: " + std::to_string(got.distinct) + " words, " +
                         std::to_string(got.words) + " total; expected " +
                         std::to_string(want.distinct) + ", " + std::to_string(want.words))
                            .c_str());
}

class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  std::size_t pread(char* buf, std::size_t n, std::uint64_t offset) const {
    for (;;) {
      auto r = ::pread(fd_, buf, n, off_t(offset));
      if (r >= 0) return std::size_t(r);
      if (errno != EINTR) throw std::runtime_error(std::strerror(errno));
    }
  }

 private:
  int fd_;
};

// Serial twin: 1 MB reads, a word cut by the buffer end is carried into the next read.
Totals word_count_serial(const std::string& path) {
  Fd fd(path);
  Counts counts;
  std::string key;
  std::vector<char> buf(1 << 20);
  std::size_t carry = 0;
  std::uint64_t offset = 0;
  for (;;) {
    const std::size_t n = fd.pread(buf.data() + carry, buf.size() - carry, offset);
    offset += n;
    const std::size_t have = carry + n;
    const bool eof = n == 0;
    std::size_t i = 0, word = 0;
    for (; i < have; ++i) {
      if (is_space(buf[i])) {
        if (i > word) add_word(counts, key, buf.data() + word, i - word);
        word = i + 1;
      }
    }
    if (eof) {
      if (have > word) add_word(counts, key, buf.data() + word, have - word);
      break;
    }
    carry = have - word;
    std::memmove(buf.data(), buf.data() + word, carry);
    if (carry == buf.size()) buf.resize(buf.size() * 2);
  }
  return totals_of(counts);
}

// TBB twin: the file is cut into 4 MB byte ranges; a range owns the words that start in
// it. Each thread counts into its own map; the maps are merged at the end by moving
// nodes into the largest one.
template <class Map>
struct Local {
  Map counts;
  std::vector<char> buf;
  std::string key;
};

template <class L>
void count_range(const Fd& fd, std::uint64_t file_size, std::uint64_t begin, std::uint64_t end,
                 L& local) {
  // Read [begin - 1, end), then on until the word that crosses end is complete.
  const std::uint64_t from = begin ? begin - 1 : 0;
  auto& buf = local.buf;
  buf.resize(end - from + 256);
  std::size_t have = 0;
  while (have < end - from) {
    const std::size_t n = fd.pread(buf.data() + have, end - from - have, from + have);
    if (n == 0) break;
    have += n;
  }
  while (from + have < file_size && have > 0 && !is_space(buf[have - 1])) {
    if (buf.size() - have < 64) buf.resize(buf.size() * 2);
    const std::size_t n = fd.pread(buf.data() + have, 64, from + have);
    if (n == 0) break;
    std::size_t k = 0;
    while (k < n && !is_space(buf[have + k])) ++k;
    have += k < n ? k + 1 : n;
  }
  std::size_t i = 0;
  if (begin) {  // skip the word in progress at begin: it belongs to the previous range
    while (i < have && !is_space(buf[i])) ++i;
    ++i;
  }
  const std::size_t limit = end - from;  // a word of this range starts before here
  std::size_t word = i;
  if (word >= limit) return;
  for (; i < have; ++i) {
    if (is_space(buf[i])) {
      if (i > word) add_word(local.counts, local.key, buf.data() + word, i - word);
      word = i + 1;
      if (word >= limit) return;
    }
  }
  if (have > word) add_word(local.counts, local.key, buf.data() + word, have - word);
}

// Merges the per-thread maps into the largest one.
Counts merge(tbb::enumerable_thread_specific<Local<Counts>>& locals) {
  Counts* acc = nullptr;
  for (auto& l : locals)
    if (!acc || l.counts.size() > acc->size()) acc = &l.counts;
  Counts out = acc ? std::move(*acc) : Counts{};
  for (auto& l : locals)
    l.counts.consume([&](std::string&& k, std::int64_t v) {
      const std::size_t h = Counts::hash(k);
      if (auto* e = out.find(k, h))
        e->second += v;
      else
        out.insert_new(h, std::move(k), v);
    });
  return out;
}
UmapCounts merge(tbb::enumerable_thread_specific<Local<UmapCounts>>& locals) {
  UmapCounts* acc = nullptr;
  for (auto& l : locals)
    if (!acc || l.counts.size() > acc->size()) acc = &l.counts;
  UmapCounts out = acc ? std::move(*acc) : UmapCounts{};
  for (auto& l : locals) {
    auto& other = l.counts;
    for (auto it = other.begin(); it != other.end();) {
      auto r = out.insert(other.extract(it++));
      if (!r.inserted) r.position->second += r.node.mapped();
    }
  }
  return out;
}

template <class Map>
Totals word_count_tbb(tbb::task_arena& arena, const std::string& path) {
  Fd fd(path);
  const std::uint64_t size = std::filesystem::file_size(path);
  constexpr std::uint64_t kRange = 4 << 20;
  const std::size_t ranges = std::size_t((size + kRange - 1) / kRange);
  tbb::enumerable_thread_specific<Local<Map>> locals;
  Totals t;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, ranges, 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        auto& local = locals.local();
                        for (std::size_t i = r.begin(); i != r.end(); ++i)
                          count_range(fd, size, i * kRange, std::min(size, (i + 1) * kRange),
                                      local);
                      });
    t = totals_of(merge(locals));
  });
  return t;
}

Totals word_count_rill(const rill::Context& ctx, const std::string& path) {
  auto counts = ctx.text_file(path, kParallelism)
                    .flat_map([](const std::string& line) {
                      std::vector<std::string> words;
                      std::size_t i = 0;
                      while (i < line.size()) {
                        while (i < line.size() && line[i] == ' ') ++i;
                        std::size_t j = i;
                        while (j < line.size() && line[j] != ' ') ++j;
                        if (j > i) words.emplace_back(line, i, j - i);
                        i = j;
                      }
                      return words;
                    })
                    .map([](std::string&& w) {
                      return std::pair<std::string, std::int64_t>(std::move(w), 1);
                    })
                    .reduce_by_key(std::plus<>{}, env_int("RILL_BENCH_REDUCERS", 0))
                    .collect();
  return totals_of(counts);
}

// The words of a line (split at ' '), as views into it.
template <class F>
void for_each_word(std::string_view line, F f) {
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (j > i) f(line.substr(i, j - i));
    i = j;
  }
}

// The same word count in the emitter form: the line is read in place (std::string_view),
// each word is emitted straight into the next chunk, no vector per line.
Totals word_count_rill_emit(const rill::Context& ctx, const std::string& path) {
  auto counts = ctx.text_file(path, kParallelism)
                    .flat_map([](std::string_view line, rill::Emitter<std::string>& emit) {
                      for_each_word(line, [&](std::string_view w) { emit(w); });
                    })
                    .map([](std::string&& w) {
                      return std::pair<std::string, std::int64_t>(std::move(w), 1);
                    })
                    .reduce_by_key(std::plus<>{}, env_int("RILL_BENCH_REDUCERS", 0))
                    .collect();
  return totals_of(counts);
}

// The emitter form emitting the pairs themselves: one chunk between the split and the
// map-side combine.
Totals word_count_rill_emit_pairs(const rill::Context& ctx, const std::string& path) {
  using WordOne = std::pair<std::string, std::int64_t>;
  auto counts = ctx.text_file(path, kParallelism)
                    .flat_map([](std::string_view line, rill::Emitter<WordOne>& emit) {
                      for_each_word(line, [&](std::string_view w) { emit(w, 1); });
                    })
                    .reduce_by_key(std::plus<>{}, env_int("RILL_BENCH_REDUCERS", 0))
                    .collect();
  return totals_of(counts);
}

void BM_WordCount_Serial(benchmark::State& state) {
  const auto& in = TextInput::get();
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    Totals t = word_count_serial(in.path());
    m.end();
    check(state, t);
  }
  state.SetBytesProcessed(std::int64_t(in.size()) * state.iterations());
  m.finish("word_count", "serial");
}

template <class Map>
void BM_WordCount_Tbb(benchmark::State& state, const char* variant) {
  const auto& in = TextInput::get();
  tbb::task_arena arena(kParallelism);
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    Totals t = word_count_tbb<Map>(arena, in.path());
    m.end();
    check(state, t);
  }
  state.SetBytesProcessed(std::int64_t(in.size()) * state.iterations());
  m.finish("word_count", variant);
}

template <Totals (*Run)(const rill::Context&, const std::string&)>
void BM_WordCount_Rill(benchmark::State& state, const char* variant) {
  const auto& in = TextInput::get();
  rill::Context ctx(rill::Config{.parallelism = kParallelism});
  Measure m(state);
  for (auto _ : state) {
    m.begin();
    Totals t = Run(ctx, in.path());
    m.end();
    check(state, t);
  }
  state.SetBytesProcessed(std::int64_t(in.size()) * state.iterations());
  m.finish("word_count", variant);
}
void BM_WordCount_Rill_Vector(benchmark::State& state) {
  BM_WordCount_Rill<word_count_rill>(state, "rill");
}
void BM_WordCount_Rill_Emit(benchmark::State& state) {
  BM_WordCount_Rill<word_count_rill_emit>(state, "rill_emit");
}
void BM_WordCount_Rill_EmitPairs(benchmark::State& state) {
  BM_WordCount_Rill<word_count_rill_emit_pairs>(state, "rill_emit_pairs");
}

BENCHMARK(BM_WordCount_Serial)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
void BM_WordCount_Tbb_Flat(benchmark::State& state) {
  BM_WordCount_Tbb<Counts>(state, "tbb");
}
void BM_WordCount_Tbb_Umap(benchmark::State& state) {
  BM_WordCount_Tbb<UmapCounts>(state, "tbb_umap");
}
BENCHMARK(BM_WordCount_Tbb_Flat)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WordCount_Tbb_Umap)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WordCount_Rill_Vector)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WordCount_Rill_Emit)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WordCount_Rill_EmitPairs)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill_bench
