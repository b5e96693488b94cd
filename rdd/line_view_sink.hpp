// LineViewSink: a consumer of text lines that can read them as std::string_view into the
// reader's buffer (text_file), so that a line is copied only where a function keeps part
// of it. The views live for the duration of push_views only; a consumer asks for them by
// taking std::string_view in its function, and no RDD element can be a view (is_view_v).
#pragma once
#include <span>
#include <string_view>

namespace rill::detail {

class LineViewSink {
 public:
  virtual void push_views(std::span<const std::string_view> lines) = 0;

 protected:
  ~LineViewSink() = default;
};

}  // namespace rill::detail
