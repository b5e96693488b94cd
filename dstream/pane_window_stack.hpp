// PaneWindowStack<K, V>: the sliding combine of consecutive final panes for append-mode
// emission (the two-stacks queue of sliding-window aggregation, as in Tangwongsan et
// al.'s survey): window [a, b) = suffix aggregate of the front panes + aggregate of the
// back panes, so a window costs about three table passes instead of one per pane. No
// inverse function is needed. Each pane enters once (back) and is re-combined once
// (when the front runs empty and the back is flipped into suffix aggregates).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <rill/rdd/flat_hash_map.hpp>
#include <vector>

namespace rill::detail {

// dst[k] = f(dst[k], v) for every (k, v) of src.
template <class K, class V, class F>
void merge_into(FlatHashMap<K, V>& dst, const FlatHashMap<K, V>& src, F& f) {
  dst.reserve(dst.size() + src.size() / 2);
  src.for_each([&](const auto& kv) {
    dst.merge(FlatHashMap<K, V>::hash(kv.first), kv.first, kv.second, f);
  });
}

template <class K, class V>
class PaneWindowStack {
 public:
  using Table = FlatHashMap<K, V>;

  // Calls visit(const K&, V&&) once per key of the combination of panes [a, b), where
  // pane_at(p) is pane p's table or nullptr (no records). Panes below b must be final;
  // windows must move forward (a and b never decrease), else the stack starts afresh.
  // Returns false, visiting nothing, when the suffix aggregates would cost more memory
  // than budget_factor times the panes they cover (keys that each live in few panes):
  // the caller then combines the panes itself, for this window and every window until
  // all of its panes have left (a >= b), when the stack tries again. Giving up for good
  // instead kept a stream on the per-pane path for ever after a sparse start (in
  // event_time_bench emission fell from 1.5 M to 1.0 M instructions per batch; its
  // windows stay sparse, so some still fall back).
  template <class PaneAt, class F, class Visit>
  bool window(std::int64_t a, std::int64_t b, PaneAt&& pane_at, F& f, Visit&& visit) {
    if (a < retry_from_) return false;
    if (!started_ || a < lo_ || a > hi_ || b < hi_) restart(a);
    if (a >= mid_) {
      if (!flip(a, pane_at, f)) {
        started_ = false;
        retry_from_ = b;
        return false;
      }
    } else {
      for (; lo_ < a; ++lo_) front_[static_cast<std::size_t>(lo_ - front_base_)] = Table{};
    }
    for (; hi_ < b; ++hi_)
      if (const Table* t = pane_at(hi_)) merge_into(back_, *t, f);
    const Table* front =
        lo_ < mid_ ? &front_[static_cast<std::size_t>(lo_ - front_base_)] : nullptr;
    if (front)
      front->for_each([&](const auto& kv) {
        if (const auto* e = back_.find(kv.first, Table::hash(kv.first)))
          visit(kv.first, std::invoke(f, V(kv.second), e->second));
        else
          visit(kv.first, V(kv.second));
      });
    back_.for_each([&](const auto& kv) {
      if (!front || !front->find(kv.first, Table::hash(kv.first))) visit(kv.first, V(kv.second));
    });
    return true;
  }

  static constexpr std::size_t budget_factor = 4;

 private:
  void restart(std::int64_t a) {
    started_ = true;
    lo_ = mid_ = hi_ = front_base_ = a;
    front_.clear();
    back_ = Table{};
  }

  // Front := suffix aggregates of panes [a, hi_); back := empty.
  template <class PaneAt, class F>
  bool flip(std::int64_t a, PaneAt& pane_at, F& f) {
    front_.clear();
    back_ = Table{};
    front_.resize(static_cast<std::size_t>(hi_ - a));
    front_base_ = lo_ = a;
    mid_ = hi_;
    std::size_t pane_entries = 0, suffix_entries = 0;
    for (std::int64_t p = hi_ - 1; p >= a; --p) {
      auto& slot = front_[static_cast<std::size_t>(p - a)];
      if (p + 1 < hi_) slot = front_[static_cast<std::size_t>(p + 1 - a)].clone();
      if (const Table* t = pane_at(p)) {
        merge_into(slot, *t, f);
        pane_entries += t->size();
      }
      suffix_entries += slot.size();
      if (suffix_entries > budget_factor * pane_entries + 4096) {
        front_.clear();
        return false;
      }
    }
    return true;
  }

  bool started_ = false;
  // Over budget: the caller combines windows starting before this pane.
  std::int64_t retry_from_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t lo_ = 0, mid_ = 0, hi_ = 0;  // front holds panes [lo_, mid_), back [mid_, hi_)
  std::int64_t front_base_ = 0;             // the pane of front_[0]
  std::vector<Table> front_;                // front_[p - front_base_]: panes p..mid_-1 combined
  Table back_;                              // panes [mid_, hi_) combined
};

}  // namespace rill::detail
