// LineSplitter: turns a byte stream, fed in arbitrary chunks, into text lines (what
// Spark's socketTextStream gets from BufferedReader.readLine). Lines end at '\n', a
// trailing '\r' is dropped, a partial line is kept across chunks. Memory is bounded:
// a line longer than max_line_bytes is skipped and counted, never buffered whole.
// Pure (no I/O); lines that lie inside one chunk are handed out without a copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rill::detail {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Calls on_line(std::string_view) for every line `chunk` completes. The view is valid
  // only during the call.
  template <class OnLine>
  void feed(std::string_view chunk, OnLine&& on_line) {
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
      const auto* nl =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!nl) {
        keep_partial(std::string_view(p, static_cast<std::size_t>(end - p)));
        return;
      }
      std::string_view piece(p, static_cast<std::size_t>(nl - p));
      p = nl + 1;
      if (discarding_) {
        discarding_ = false;
        ++oversized_;
        continue;
      }
      if (partial_.empty()) {
        emit(piece, on_line);
        continue;
      }
      if (partial_.size() + piece.size() > max_line_bytes_ + 1) {
        drop_partial();
        ++oversized_;
        continue;
      }
      partial_.append(piece);
      emit(std::string_view(partial_), on_line);
      partial_.clear();
    }
  }

  // End of stream: the last line may lack its '\n'; it is delivered (or counted as
  // oversized) here. The splitter is then ready for a new stream.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (discarding_) {
      ++oversized_;
    } else if (!partial_.empty()) {
      emit(std::string_view(partial_), on_line);
    }
    reset();
  }

  // Forgets a partial line without delivering it (the stream broke off mid-line).
  void reset() {
    partial_.clear();
    discarding_ = false;
  }

  std::uint64_t oversized_lines() const { return oversized_; }
  std::size_t max_line_bytes() const { return max_line_bytes_; }
  // Bytes of the unfinished line currently held (at most max_line_bytes + 1).
  std::size_t pending_bytes() const { return partial_.size(); }

 private:
  template <class OnLine>
  void emit(std::string_view line, OnLine& on_line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line_bytes_) {
      ++oversized_;
      return;
    }
    on_line(line);
  }

  // Appends to the partial line; once it cannot fit any more (max_line_bytes plus room
  // for a '\r' that may yet be stripped) it is dropped and the rest of the line skipped.
  void keep_partial(std::string_view piece) {
    if (discarding_) return;
    if (partial_.size() + piece.size() > max_line_bytes_ + 1) {
      drop_partial();
      discarding_ = true;
      return;
    }
    partial_.append(piece);
  }

  void drop_partial() {
    partial_.clear();
    partial_.shrink_to_fit();  // an oversized line must not pin its memory
  }

  std::size_t max_line_bytes_;
  std::string partial_;      // the unfinished line, never longer than max_line_bytes_ + 1
  bool discarding_ = false;  // inside a line already known to be oversized
  std::uint64_t oversized_ = 0;
};

}  // namespace rill::detail
