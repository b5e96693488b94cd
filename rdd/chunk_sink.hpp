// ChunkSink: how a partition flows through a fused stage. Producers push chunks of up to
// chunk_size_v<T> elements; each operator costs one virtual call per chunk and a tight,
// inlined loop over it, never a virtual or std::function call per element.
#pragma once
#include <algorithm>
#include <cstddef>
#include <memory>
#include <ranges>
#include <rill/rdd/traits.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace rill::detail {

template <class T>
inline constexpr std::size_t chunk_size_v = std::clamp<std::size_t>(32768 / sizeof(T),
                                                                    std::size_t{64},
                                                                    std::size_t{4096});

template <class T>
class ChunkSink {
 public:
  // The chunk belongs to the producer for the duration of the call; the consumer may
  // move elements out of it.
  virtual void push(std::span<T> chunk) = 0;

  // A chunk of shared data (a cached partition, a receiver block, a shuffle bucket) that
  // must stay intact. By default it is copied and pushed; a consumer that only reads its
  // input (map, filter, collect) overrides this and copies nothing it does not keep.
  virtual void push_const(std::span<const T> chunk) {
    if constexpr (std::is_copy_constructible_v<T>) {
      std::vector<T> copy(chunk.begin(), chunk.end());
      push(std::span<T>(copy));
    } else {
      throw std::logic_error(
          "shared data of a move-only element type cannot be handed to an operator that "
          "moves from its input (cache, checkpoint and parallelize need copyable elements)");
    }
  }

 protected:
  ~ChunkSink() = default;
};

// Strings, and pairs of a string and a trivially copyable value (what word count builds
// before a shuffle), are written into the slots of the previous chunk: a slot keeps its
// string's buffer, so a word longer than the small-string buffer costs no allocation
// once the chunk has warmed up, and a slot costs no destructor and constructor per chunk.
template <class T>
inline constexpr bool reuses_slots_v = std::is_same_v<T, std::string>;
template <class V>
inline constexpr bool reuses_slots_v<std::pair<std::string, V>> = std::is_trivially_copyable_v<V>;

// An rvalue of the slot's own type is moved in by construction (inline, noexcept);
// anything a string can be read from is copied into the slot's buffer.
template <class T, class A>
void move_into_slot(T& slot, A&& a) {
  static_assert(std::is_nothrow_move_constructible_v<T>);
  std::destroy_at(&slot);
  std::construct_at(&slot, std::forward<A>(a));
}
template <class A>
void assign_slot(std::string& s, A&& a) {
  if constexpr (std::is_same_v<std::remove_cvref_t<A>, std::string> &&
                !std::is_lvalue_reference_v<A>)
    move_into_slot(s, std::forward<A>(a));
  else if constexpr (std::is_convertible_v<const A&, std::string_view>)
    s.assign(std::string_view(a));
  else
    s = std::string(std::forward<A>(a));
}
template <class T, class... A>
void assign_slot(T& slot, A&&... a) {
  if constexpr (sizeof...(A) == 2 && is_pair_v<T>) {
    auto args = std::forward_as_tuple(std::forward<A>(a)...);
    assign_slot(slot.first, std::get<0>(std::move(args)));
    slot.second = std::get<1>(std::move(args));
  } else if constexpr (sizeof...(A) == 1 && (std::is_same_v<std::remove_cvref_t<A>, T> && ...) &&
                       !(std::is_lvalue_reference_v<A> && ...)) {
    move_into_slot(slot, std::forward<A>(a)...);
  } else {
    slot = T(std::forward<A>(a)...);
  }
}

// Buffers single elements and forwards them to a sink one full chunk at a time. It is
// also what an emitter-form flat_map gives the user's function (rill::Emitter<U>).
template <class T>
class ChunkWriter {
 public:
  explicit ChunkWriter(ChunkSink<T>& out) : out_(out) { buf_.reserve(chunk_size_v<T>); }
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  template <class... A>
  void operator()(A&&... a) {
    if constexpr (reuses_slots_v<T>) {
      if (n_ < buf_.size()) {
        assign_slot(buf_[n_], std::forward<A>(a)...);
        if (++n_ == chunk_size_v<T>) flush();
        return;
      }
    }
    buf_.emplace_back(std::forward<A>(a)...);
    if (++n_ == chunk_size_v<T>) flush();
  }
  // Appends make()'s result. For pairs (what map builds before a shuffle) the result is
  // constructed in place in the chunk rather than moved there from a temporary; other
  // types may have constructor templates that would take the proxy itself.
  template <class Make>
  void emplace_result(Make&& make) {
    if constexpr (reuses_slots_v<T>) {
      if (n_ < buf_.size()) {
        // Built in place in the old slot, as emplace_back would; if make() throws, the
        // slot gets a default value so that the vector stays whole.
        T* slot = &buf_[n_];
        std::destroy_at(slot);
        try {
          std::construct_at(slot, ResultOf<Make>{make});
        } catch (...) {
          std::construct_at(slot);
          throw;
        }
        if (++n_ == chunk_size_v<T>) flush();
        return;
      }
    }
    if constexpr (is_pair_v<T>)
      buf_.emplace_back(ResultOf<Make>{make});
    else
      buf_.emplace_back(make());
    if (++n_ == chunk_size_v<T>) flush();
  }
  void flush() {
    if (n_ == 0) return;
    out_.push(std::span<T>(buf_.data(), n_));
    n_ = 0;
    if constexpr (!reuses_slots_v<T>) buf_.clear();
  }

 private:
  template <class Make>
  struct ResultOf {
    Make& make;
    operator T() const { return make(); }  // guaranteed elision into the vector slot
  };

  ChunkSink<T>& out_;
  std::vector<T> buf_;  // [0, n_) this chunk; beyond, slots of the last one to reuse
  std::size_t n_ = 0;
};

// Appends every chunk to a vector: materialises a partition.
template <class T>
class CollectSink final : public ChunkSink<T> {
 public:
  explicit CollectSink(std::vector<T>& out) : out_(out) {}
  void push(std::span<T> chunk) override {
    out_.insert(out_.end(), std::make_move_iterator(chunk.begin()),
                std::make_move_iterator(chunk.end()));
  }
  void push_const(std::span<const T> chunk) override {
    out_.insert(out_.end(), chunk.begin(), chunk.end());
  }

 private:
  std::vector<T>& out_;
};

// Calls f(span) for each chunk: the sink of actions.
template <class T, class F>
class CallbackSink final : public ChunkSink<T> {
 public:
  explicit CallbackSink(F f) : f_(std::move(f)) {}
  void push(std::span<T> chunk) override { f_(chunk); }
  // A callback that also takes std::span<const T> (a generic lambda that only reads, or
  // copies what it keeps) gets shared data without a copy of every element.
  void push_const(std::span<const T> chunk) override {
    if constexpr (std::is_invocable_v<F&, std::span<const T>>)
      f_(chunk);
    else
      ChunkSink<T>::push_const(chunk);
  }

 private:
  F f_;
};

template <class T, class F>
CallbackSink<T, F> callback_sink(F f) {
  return CallbackSink<T, F>(std::move(f));
}

// x moved from if its chunk may be moved from, else copied (a const element of shared data).
template <class X>
decltype(auto) take_or_copy(X& x) {
  if constexpr (std::is_const_v<X>)
    return std::remove_const_t<X>(x);
  else
    return std::move(x);
}

// Pushes shared data chunk by chunk as read-only chunks: the consumer copies what it keeps.
template <class T, class Range>
void push_shared(const Range& data, ChunkSink<T>& out) {
  if constexpr (std::ranges::contiguous_range<const Range>) {
    const std::span<const T> all(std::ranges::data(data), std::ranges::size(data));
    for (std::size_t i = 0; i < all.size(); i += chunk_size_v<T>)
      out.push_const(all.subspan(i, std::min(chunk_size_v<T>, all.size() - i)));
  } else {  // std::vector<bool>
    std::vector<T> buf;
    for (const auto& x : data) {
      buf.push_back(x);
      if (buf.size() == chunk_size_v<T>) {
        out.push(std::span<T>(buf));
        buf.clear();
      }
    }
    if (!buf.empty()) out.push(std::span<T>(buf));
  }
}

// Pushes a vector this caller owns, chunk by chunk, without copying.
template <class T>
void push_owned(std::vector<T>& data, ChunkSink<T>& out) {
  for (std::size_t i = 0; i < data.size(); i += chunk_size_v<T>)
    out.push(std::span<T>(data).subspan(i, std::min(chunk_size_v<T>, data.size() - i)));
}

}  // namespace rill::detail
