// SocketTextOptions: how socket_text_stream reads its TCP source.
#pragma once
#include <chrono>
#include <cstddef>

namespace rill {

struct SocketTextOptions {
  std::size_t max_line_bytes = 1 << 20;           // longer lines are skipped and reported
  std::chrono::milliseconds initial_backoff{50};  // reconnect delay, doubled per failure
  std::chrono::milliseconds max_backoff{2000};
};

}  // namespace rill
