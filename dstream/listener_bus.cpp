#include <rill/dstream/listener_bus.hpp>

namespace rill::detail {
namespace {
thread_local const ListenerBus* t_bus = nullptr;
}  // namespace

bool ListenerBus::on_bus_thread() const {
  return t_bus == this;
}

void ListenerBus::add_listener(StreamingListener& l) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(&l);
}

void ListenerBus::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void ListenerBus::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ListenerBus::post(std::function<void(const std::vector<StreamingListener*>&)> f) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(f));
  }
  cv_.notify_all();
}

void ListenerBus::run() {
  t_bus = this;
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !events_.empty(); });
    if (events_.empty()) return;  // stopping, and everything delivered
    auto event = std::move(events_.front());
    events_.pop_front();
    auto listeners = listeners_;
    lock.unlock();
    try {
      event(listeners);
    } catch (...) {
      // A throwing listener must not take the streaming context down (Spark logs it).
    }
    lock.lock();
  }
}

}  // namespace rill::detail
