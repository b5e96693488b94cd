// LiveWindow<K, V>: the table of each partition of an incremental window, kept between
// slides. The slide at t updates it in place when it holds the window at t - slide, so a
// slide costs the batches entering and leaving plus copying the window out, instead of
// re-reading, hashing and inserting every key of the previous window's cached copy. It is
// only a shortcut: anything else (the first window, a restart, a recomputed or retried
// partition, a failed update) rebuilds from lineage as before and may then hand its table
// over, so a table is never trusted unless it holds exactly the window before.
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/rdd/flat_hash_map.hpp>

namespace rill::detail {

template <class K, class V>
class LiveWindow {
 public:
  using Table = FlatHashMap<K, V>;

  explicit LiveWindow(std::size_t partitions)
      : parts_(std::make_unique<Part[]>(partitions)), n_(partitions) {}

  std::size_t partitions() const { return n_; }

  // Hands partition p's table to update(table) if it holds the window at `from`; on
  // success it then holds the window at `to`. False (nothing called) if it does not, or if
  // an update of p is running, on this thread (a window read while its own partition is
  // written) or another. An exception from update leaves the table untrusted.
  template <class Update>
  bool advance(std::size_t p, Time from, Time to, Update&& update) {
    if (p >= n_) return false;
    Part& part = parts_[p];
    {
      std::lock_guard lock(part.mutex);
      if (part.busy || part.version != from) return false;
      part.busy = true;
      part.version.reset();
    }
    struct Release {
      Part& part;
      std::optional<Time> version;
      ~Release() {
        std::lock_guard lock(part.mutex);
        part.busy = false;
        part.version = version;
      }
    } release{part, std::nullopt};
    update(part.table);  // no lock held: busy keeps everyone else out
    release.version = to;
    return true;
  }

  // Takes a table rebuilt for the window at t, unless p already holds that window or a
  // later one (a recomputed old window must not roll it back).
  void offer(std::size_t p, Time t, Table&& table) {
    if (p >= n_) return;
    Part& part = parts_[p];
    std::lock_guard lock(part.mutex);
    if (part.busy || (part.version && *part.version >= t)) return;
    part.table = std::move(table);
    part.version = t;
  }

 private:
  struct Part {
    std::mutex mutex;
    bool busy = false;
    std::optional<Time> version;  // the window time the table holds
    Table table;
  };
  std::unique_ptr<Part[]> parts_;
  std::size_t n_;
};

}  // namespace rill::detail
