// PaneIndex<Table>: pane number -> its table, for the panes a store holds. Live panes are
// a nearly dense run of integers (the watermark delay plus a window, in panes), so a
// vector indexed by pane - base finds one in a few instructions: every record of a batch
// looks its pane up, and a hash probe per record was ~60 instructions. A pane far from
// the run (a wild timestamp) is not indexed and is found in the store's ordered map.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rill::detail {

template <class Table>
class PaneIndex {
 public:
  PaneIndex() = default;
  PaneIndex(PaneIndex&& o) noexcept : base_(o.base_), slots_(std::move(o.slots_)) {
    sync();
    o.clear();
  }
  PaneIndex& operator=(PaneIndex&& o) noexcept {
    base_ = o.base_;
    slots_ = std::move(o.slots_);
    sync();
    o.clear();
    return *this;
  }
  PaneIndex(const PaneIndex&) = delete;
  PaneIndex& operator=(const PaneIndex&) = delete;

  // The table of pane p, or nullptr if p is not indexed.
  Table* find(std::int64_t p) const {
    const auto off = static_cast<std::uint64_t>(p - base_);
    return off < size_ ? data_[off] : nullptr;
  }

  // Indexes pane p -> t unless that would stretch the run past `limit` slots.
  void insert(std::int64_t p, Table* t, std::size_t limit) {
    if (slots_.empty()) {
      base_ = p;
      slots_.assign(1, t);
      sync();
      return;
    }
    if (p >= base_) {
      const auto off = static_cast<std::size_t>(p - base_);
      if (off >= slots_.size()) {
        if (off + 1 > limit) return;
        slots_.resize(off + 1, nullptr);
        sync();
      }
      slots_[off] = t;
    } else {
      const auto grow = static_cast<std::size_t>(base_ - p);
      if (slots_.size() + grow > limit) return;
      slots_.insert(slots_.begin(), grow, nullptr);
      base_ = p;
      slots_[0] = t;
      sync();
    }
  }

  // Forgets every pane below p (the store dropped them).
  void drop_below(std::int64_t p) {
    if (p <= base_) return;
    const auto n = static_cast<std::size_t>(p - base_);
    if (n >= slots_.size()) {
      clear();
      return;
    }
    slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(n));
    base_ = p;
    sync();
  }

  void clear() {
    slots_.clear();
    sync();
  }

 private:
  // find()'s view of slots_, kept in members of their own: through the vector, every
  // record's lookup also loaded and subtracted its end (callgrind: 6.24 M -> 6.10 M per batch).
  void sync() {
    data_ = slots_.data();
    size_ = slots_.size();
  }

  std::int64_t base_ = 0;      // the pane of slots_[0]
  std::vector<Table*> slots_;  // nullptr: no table for that pane
  Table* const* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace rill::detail
