#include <rill/dstream/input_progress_log.hpp>

namespace rill::detail {

InputProgressLog::InputProgressLog(std::filesystem::path dir, std::string snapshot_name,
                                   const FileKind& kind, bool restarted)
    : dir_(std::move(dir)), log_(dir_), snapshot_file_(dir_ / snapshot_name), kind_(kind) {
  if (restarted) return;
  log_.discard_recovered();
  std::error_code ec;
  std::filesystem::remove(snapshot_file_, ec);
}

std::optional<std::string> InputProgressLog::read_snapshot() const {
  if (std::error_code ec; !std::filesystem::exists(snapshot_file_, ec)) return std::nullopt;
  return read_checked_file(snapshot_file_, kind_);
}

void InputProgressLog::append(Time t, std::string_view record) {
  log_.append(record);
  log_.mark_batch(t);  // fsyncs the record with its marker
}

void InputProgressLog::write_snapshot(Time t, std::string_view payload) {
  write_checked_file(snapshot_file_, kind_, payload);
  log_.clean_through(t);
}

}  // namespace rill::detail
