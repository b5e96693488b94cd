// SizeHint<Tag>: how many keys the last hash table of one kind held on this thread.
// A stream builds the same tables every batch; a table that starts at last batch's size
// skips the rehashes (each one hashes every key again, which for strings is most of the
// cost) and the page faults of growing. Tables are per task, so a hint from a different
// partition or job is only a starting size: a wrong one costs a rehash or some slack,
// never a wrong result.
#pragma once
#include <algorithm>
#include <cstddef>

namespace rill::detail {

template <class Tag>
class SizeHint {
 public:
  // Capped: a job with millions of keys must not make every small task of a later job
  // at the same call site (64 map tasks, say) allocate tables that size. Big tables pay
  // for their growth with their own work anyway.
  static constexpr std::size_t kMax = std::size_t{1} << 16;

  static std::size_t get() { return std::min(last(), kMax); }
  static void set(std::size_t n) { last() = n; }

 private:
  static std::size_t& last() {
    thread_local std::size_t n = 0;
    return n;
  }
};

}  // namespace rill::detail
