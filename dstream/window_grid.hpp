// WindowGrid: the window and pane arithmetic of one event-time window operator, in ms on
// the event-time line (Structured Streaming's window(): [k*slide, k*slide + length)). A
// pane is gcd(length, slide), so every window is a whole number of panes and a record is
// aggregated once per pane, not once per window (the "panes" technique). Plain integers.
#pragma once
#include <cstdint>
#include <numeric>
#include <rill/dstream/time.hpp>
#include <stdexcept>
#include <string>

namespace rill::detail {

struct WindowGrid {
  std::int64_t length;
  std::int64_t slide;
  std::int64_t pane;  // gcd(length, slide)

  // floor(a / b) for b > 0 (panes and slides are): every record's pane goes through it,
  // and the sign test of a general floor division cost ~4 of its ~9 instructions.
  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    return a / b - (a % b < 0 ? 1 : 0);
  }
  std::int64_t pane_of(Time t) const { return floor_div(t.count(), pane); }
  // The windows k that contain pane p: k*slide <= p*pane and k*slide + length >= (p+1)*pane.
  std::int64_t first_window(std::int64_t p) const {
    return -floor_div(length - (p + 1) * pane, slide);
  }
  std::int64_t last_window(std::int64_t p) const { return floor_div(p * pane, slide); }
  std::int64_t start(std::int64_t k) const { return k * slide; }
  std::int64_t end(std::int64_t k) const { return k * slide + length; }
  // Panes [first_pane(k), end_pane(k)) make up window k (start and end are pane multiples).
  std::int64_t first_pane(std::int64_t k) const { return start(k) / pane; }
  std::int64_t end_pane(std::int64_t k) const { return end(k) / pane; }
  // A pane is done once the watermark has passed the end of the last window holding it.
  bool pane_done(std::int64_t p, std::int64_t watermark) const {
    return end(last_window(p)) <= watermark;
  }
};

inline WindowGrid checked_event_window(Duration length, Duration slide, const std::string& op) {
  if (length.count() <= 0)
    throw std::invalid_argument(op + ": window length must be > 0 ms, got " +
                                std::to_string(length.count()) + " ms");
  if (slide.count() <= 0)
    throw std::invalid_argument(op + ": slide must be > 0 ms, got " +
                                std::to_string(slide.count()) + " ms");
  if (slide > length)
    throw std::invalid_argument(op + ": slide (" + std::to_string(slide.count()) +
                                " ms) must be <= the window length (" +
                                std::to_string(length.count()) + " ms)");
  return {length.count(), slide.count(), std::gcd(length.count(), slide.count())};
}

}  // namespace rill::detail
