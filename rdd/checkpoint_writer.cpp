#include <rill/rdd/checkpoint_writer.hpp>
#include <utility>

namespace rill::detail {

CheckpointWriter::CheckpointWriter()
    : state_(std::make_shared<State>()), thread_([s = state_] { run(s); }) {}

CheckpointWriter::~CheckpointWriter() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  if (thread_.get_id() == std::this_thread::get_id())
    thread_.detach();  // run() holds its own reference to the state
  else
    thread_.join();
}

void CheckpointWriter::submit(std::function<void()> write) {
  {
    std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(write));
  }
  state_->cv.notify_all();
}

void CheckpointWriter::drain() {
  if (thread_.get_id() == std::this_thread::get_id()) return;
  std::unique_lock lock(state_->mutex);
  state_->cv.wait(lock, [&] { return state_->queue.empty() && !state_->busy; });
}

std::size_t CheckpointWriter::backlog() const {
  std::lock_guard lock(state_->mutex);
  return state_->queue.size() + (state_->busy ? 1 : 0);
}

std::exception_ptr CheckpointWriter::take_error() {
  std::lock_guard lock(state_->mutex);
  return std::exchange(state_->error, nullptr);
}

void CheckpointWriter::run(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  while (true) {
    state->cv.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
    if (state->queue.empty()) return;  // stopping, and everything written
    auto write = std::move(state->queue.front());
    state->queue.pop_front();
    state->busy = true;
    lock.unlock();
    std::exception_ptr error;
    try {
      write();
    } catch (...) {
      error = std::current_exception();
    }
    write = nullptr;  // what it captured goes before the writer counts as idle
    lock.lock();
    if (error && !state->error) state->error = error;
    state->busy = false;
    state->cv.notify_all();
  }
}

}  // namespace rill::detail
