// PaneState<K, V>: the event-time window state of one operator, owned by its stream node
// and updated in place, one PaneStore per partition. RDDs stay immutable to their readers
// because each partition is versioned by batch time: batch t applies its records only to
// the state of the batch before it, exactly once, and keeps the windows it emitted until
// the stream forgets t, so a recomputed partition gives the same windows again.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <rill/dstream/pane_store.hpp>
#include <string>
#include <vector>

namespace rill::detail {

template <class K, class V>
class PaneState {
 public:
  using Store = PaneStore<K, V>;
  using Out = typename Store::Out;
  using Entry = typename Store::Entry;

  struct Partition {
    std::mutex mutex;
    // All guarded by mutex.
    Store store;
    std::optional<Time> version;         // the last batch applied; none: nothing yet
    std::optional<std::string> failure;  // a batch that failed half-way left store unusable
    std::map<Time, std::shared_ptr<const std::vector<Out>>> emitted;      // until forgotten
    std::map<Time, std::shared_ptr<const std::vector<Entry>>> snapshots;  // when kept, ditto
    bool applied(Time t) const { return version && *version >= t; }
  };

  explicit PaneState(std::size_t partitions) : parts_(partitions) {}
  std::size_t size() const { return parts_.size(); }
  Partition& at(std::size_t p) { return parts_.at(p); }

  // The windows and snapshots kept for batches not yet forgotten (tests of bounded memory).
  std::size_t kept_batches() {
    std::size_t n = 0;
    for (auto& part : parts_) {
      std::lock_guard lock(part.mutex);
      n += part.emitted.size() + part.snapshots.size();
    }
    return n;
  }

  // What batches <= limit emitted is no longer needed (the stream forgot them).
  void forget_until(Time limit) {
    for (auto& part : parts_) {
      std::lock_guard lock(part.mutex);
      part.emitted.erase(part.emitted.begin(), part.emitted.upper_bound(limit));
      part.snapshots.erase(part.snapshots.begin(), part.snapshots.upper_bound(limit));
    }
  }

 private:
  std::vector<Partition> parts_;  // fixed size: Partition is neither copied nor moved
};

}  // namespace rill::detail
