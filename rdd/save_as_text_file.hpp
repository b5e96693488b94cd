// save_as_text_file(dir): one part-NNNNN file per partition, one element per line, and a
// _SUCCESS marker when all are written (Spark / Hadoop's layout). An existing, non-empty
// directory is refused rather than mixed with new output.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <rill/rdd/rdd.hpp>
#include <rill/rdd/text_format.hpp>

namespace rill {

template <class T>
void Rdd<T>::save_as_text_file(const std::string& dir) const {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_empty(root, ec))
    throw std::invalid_argument("save_as_text_file: output directory '" + dir + "' already exists");
  fs::create_directories(root, ec);
  if (ec)
    throw std::runtime_error("save_as_text_file: cannot create '" + dir + "': " + ec.message());
  run_job(
      {},
      [&](std::size_t p, TaskContext& tc) {
        char name[32];
        std::snprintf(name, sizeof name, "part-%05zu", p);
        const auto file = root / name;
        auto tmp = file;
        tmp += ".tmp";
        std::ofstream os(tmp, std::ios::trunc);
        if (!os) throw std::runtime_error("save_as_text_file: cannot write " + tmp.string());
        auto sink = detail::callback_sink<T>([&](std::span<T> c) {
          for (const auto& x : c) {
            detail::write_text(os, x);
            os << '\n';
          }
          tc.records_out += static_cast<std::int64_t>(c.size());
        });
        node_->compute_partition(p, tc, sink);
        os.close();
        if (!os) throw std::runtime_error("save_as_text_file: cannot write " + tmp.string());
        fs::rename(tmp, file);
      },
      "save_as_text_file");
  std::ofstream(root / "_SUCCESS");
}

}  // namespace rill
