// Windowed<T> and OutputMode: what an event-time window emits (Structured Streaming's
// window column plus its aggregate) and when (its append / update output modes). Plain
// values; the operators that make them are in event_time_window.hpp.
#pragma once
#include <compare>
#include <ostream>
#include <rill/dstream/time.hpp>
#include <rill/rdd/text_format.hpp>

namespace rill {

// One window [start, end) of the event-time line and its aggregate (for keyed windows a
// (key, value) pair). Ordered by start, end, value, so results sort like a table.
template <class T>
struct Windowed {
  Time start{0};
  Time end{0};
  T value{};

  friend bool operator==(const Windowed&, const Windowed&) = default;
  friend auto operator<=>(const Windowed&, const Windowed&) = default;
  // print() and save_as_text_files: "([start,end),value)" in ms, the value as pairs print.
  friend std::ostream& operator<<(std::ostream& os, const Windowed& w) {
    os << "([" << w.start.count() << ',' << w.end.count() << "),";
    detail::write_text(os, w.value);
    return os << ')';
  }
};

// append: each (window, key) once, when the watermark closes the window, final value.
// update: each batch, every (window, key) that changed in it, with its value so far.
enum class OutputMode { append, update };

}  // namespace rill
