// FlatHashMap<K, V>: the aggregation table of combine_by_key and its family. Open
// addressing with linear probing over a power-of-two array of pairs plus one control byte
// per slot, so a lookup touches two cache lines and an insert allocates nothing (a
// node-based std::unordered_map allocates per key and chases a pointer per probe).
// Deliberately small: find, insert of a key known to be absent, iteration, and consume
// (move every entry out, leaving the table empty). Keys and values must be nothrow
// movable (a rehash moves them); an exception from a key or value constructor leaves the
// table valid.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <rill/rdd/hash.hpp>
#include <utility>

namespace rill::detail {

template <class K, class V, class H = Hash<K>>
class FlatHashMap {
 public:
  using value_type = std::pair<K, V>;

  FlatHashMap() = default;
  FlatHashMap(FlatHashMap&& o) noexcept
      : slots_(std::exchange(o.slots_, nullptr)),
        ctrl_(std::exchange(o.ctrl_, nullptr)),
        capacity_(std::exchange(o.capacity_, 0)),
        size_(std::exchange(o.size_, 0)),
        shift_(std::exchange(o.shift_, 64)),
        salt_(o.salt_) {}
  FlatHashMap& operator=(FlatHashMap&& o) noexcept {
    if (this != &o) {
      release();
      slots_ = std::exchange(o.slots_, nullptr);
      ctrl_ = std::exchange(o.ctrl_, nullptr);
      capacity_ = std::exchange(o.capacity_, 0);
      size_ = std::exchange(o.size_, 0);
      shift_ = std::exchange(o.shift_, 64);
      salt_ = o.salt_;
    }
    return *this;
  }
  FlatHashMap(const FlatHashMap&) = delete;
  FlatHashMap& operator=(const FlatHashMap&) = delete;
  ~FlatHashMap() { release(); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The table hash: Hash<K> then a mix, because std::hash of integers is the identity.
  static std::size_t hash(const K& k) { return mix_hash(H{}(k)); }

  // Room for n keys without a rehash.
  void reserve(std::size_t n) {
    if (n > max_load(capacity_)) rehash(capacity_for(n));
  }

  // The entry of key k (whose hash() is h), or nullptr.
  value_type* find(const K& k, std::size_t h) {
    if (size_ == 0) return nullptr;
    const std::uint8_t tag = tag_of(h);
    for (std::size_t i = home(h);; i = (i + 1) & (capacity_ - 1)) {
      const std::uint8_t c = ctrl_[i];
      if (c == 0) return nullptr;
      if (c == tag && slots_[i].first == k) return &slots_[i];
    }
  }
  value_type* find(const K& k) { return find(k, hash(k)); }
  const value_type* find(const K& k, std::size_t h) const {
    return const_cast<FlatHashMap*>(this)->find(k, h);
  }

  // An independent copy, slot for slot (no rehash): copying is explicit because it costs
  // the whole table.
  FlatHashMap clone() const {
    FlatHashMap c;
    if (!slots_) return c;
    c.slots_ = std::allocator<value_type>{}.allocate(capacity_);
    c.ctrl_ = new std::uint8_t[capacity_];
    std::memset(c.ctrl_, 0, capacity_);
    c.capacity_ = capacity_;
    c.shift_ = shift_;
    c.salt_ = salt_;
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (!ctrl_[i]) continue;
      ::new (static_cast<void*>(&c.slots_[i])) value_type(slots_[i]);
      c.ctrl_[i] = ctrl_[i];  // set after the copy: a throwing copy leaves c valid
      ++c.size_;
    }
    return c;
  }

  // Starts loading the cache lines a find(_, h) will touch first: a loop over many keys
  // in a table bigger than the cache issues this a few keys ahead to overlap the misses.
  void prefetch(std::size_t h) const {
    if (capacity_ == 0) return;
    const std::size_t i = home(h);
    __builtin_prefetch(ctrl_ + i);
    __builtin_prefetch(slots_ + i);
  }

  // The reduce step of every aggregation: k's value becomes combine(value, v), or (k,
  // create(v)) is added. k and v are forwarded, so a key is copied or moved only when it
  // is new (pass std::move(x): a const x is then copied, a mutable one moved).
  template <class KK, class VV, class Combine, class Create = std::identity>
  void merge(std::size_t h, KK&& k, VV&& v, Combine&& combine, Create&& create = {}) {
    if (auto* e = find(k, h))
      e->second = std::invoke(combine, std::move(e->second), std::forward<VV>(v));
    else
      insert_new(h, std::forward<KK>(k), std::invoke(create, std::forward<VV>(v)));
  }

  // Inserts a key that find() just did not find, constructing the pair from args.
  template <class... A>
  value_type* insert_new(std::size_t h, A&&... args) {
    if (size_ + 1 > max_load(capacity_)) rehash(capacity_ ? capacity_ * 2 : kMinCapacity);
    std::size_t i = home(h);
    while (ctrl_[i] != 0) i = (i + 1) & (capacity_ - 1);
    ::new (static_cast<void*>(&slots_[i])) value_type(std::forward<A>(args)...);
    ctrl_[i] = tag_of(h);
    ++size_;
    return &slots_[i];
  }

  // f(const value_type&) for every entry, in slot order.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < capacity_; ++i)
      if (ctrl_[i]) f(std::as_const(slots_[i]));
  }

  // f(K&&, V&&) for every entry, moved out; the table is empty afterwards.
  template <class F>
  void consume(F&& f) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (!ctrl_[i]) continue;
      ctrl_[i] = 0;
      --size_;
      value_type& e = slots_[i];
      struct Destroy {
        value_type* p;
        ~Destroy() { std::destroy_at(p); }
      } guard{&e};
      f(std::move(e.first), std::move(e.second));
    }
  }

 private:
  static constexpr std::size_t kMinCapacity = 16;

  // At most 7/8 full: probes stay short and the control bytes of one cache line cover 64 slots.
  static std::size_t max_load(std::size_t cap) { return cap - cap / 8; }
  static std::size_t capacity_for(std::size_t n) {
    std::size_t cap = kMinCapacity;
    while (max_load(cap) < n) cap *= 2;
    return cap;
  }
  // The top bits of the salted hash pick the slot: the low bits are what HashPartitioner's
  // modulo already looked at, so within one reducer's table they are skewed. The salt
  // depends on the capacity because tables are filled from bigger tables drained in slot
  // order: with one slot function for all sizes those keys arrive sorted by home slot
  // and pile into one ever-growing probe run (quadratic, the classic merge-two-hash-maps
  // trap). Deterministic, so a recomputed partition comes out in the same order.
  std::size_t home(std::size_t h) const { return shift_ >= 64 ? 0 : (h * salt_) >> shift_; }
  static std::uint64_t salt_for(std::size_t cap) {
    return mix_hash(cap * 0x9e3779b97f4a7c15ULL) | 1;  // odd: h -> h * salt is a bijection
  }
  static std::uint8_t tag_of(std::size_t h) { return std::uint8_t(0x80 | (h & 0x7f)); }

  void rehash(std::size_t cap) {
    FlatHashMap bigger;
    bigger.slots_ = std::allocator<value_type>{}.allocate(cap);
    bigger.ctrl_ = new std::uint8_t[cap];
    std::memset(bigger.ctrl_, 0, cap);
    bigger.capacity_ = cap;
    bigger.shift_ = 64 - std::countr_zero(cap);
    bigger.salt_ = salt_for(cap);
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (!ctrl_[i]) continue;
      const std::size_t h = hash(slots_[i].first);
      std::size_t j = bigger.home(h);
      while (bigger.ctrl_[j] != 0) j = (j + 1) & (cap - 1);
      ::new (static_cast<void*>(&bigger.slots_[j])) value_type(std::move(slots_[i]));
      bigger.ctrl_[j] = ctrl_[i];
      std::destroy_at(&slots_[i]);
      ctrl_[i] = 0;
    }
    bigger.size_ = size_;
    size_ = 0;
    *this = std::move(bigger);
  }

  void release() noexcept {
    if (!slots_) return;
    for (std::size_t i = 0; i < capacity_; ++i)
      if (ctrl_[i]) std::destroy_at(&slots_[i]);
    std::allocator<value_type>{}.deallocate(slots_, capacity_);
    delete[] ctrl_;
    slots_ = nullptr;
    ctrl_ = nullptr;
    capacity_ = 0;
    size_ = 0;
    shift_ = 64;
  }

  value_type* slots_ = nullptr;   // capacity_ slots; slot i holds a live pair iff ctrl_[i] != 0
  std::uint8_t* ctrl_ = nullptr;  // 0 = empty, else 0x80 | low 7 bits of the hash
  std::size_t capacity_ = 0;      // 0 or a power of two
  std::size_t size_ = 0;
  unsigned shift_ = 64;     // 64 - log2(capacity_)
  std::uint64_t salt_ = 1;  // salt_for(capacity_)
};

}  // namespace rill::detail
