#include <exception>
#include <iostream>
#include <rill/dstream/listener_bus.hpp>
#include <sstream>
#include <typeinfo>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#endif

namespace rill::detail {
namespace {
thread_local const ListenerBus* t_bus = nullptr;

// The listener's dynamic type, readable: the report must say which listener threw.
std::string type_name(const StreamingListener& l) {
  const char* raw = typeid(l).name();
#if __has_include(<cxxabi.h>)
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(raw, nullptr, nullptr, &status), &std::free);
  if (status == 0 && demangled) return demangled.get();
#endif
  return raw;
}
}  // namespace

bool ListenerBus::on_bus_thread() const {
  return t_bus == this;
}

void ListenerBus::add_listener(StreamingListener& l) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(&l);
}

void ListenerBus::remove_listener(StreamingListener& l) {
  std::unique_lock lock(mutex_);
  std::erase(listeners_, &l);
  // The bus thread delivers from a copy of the list, outside the lock: the event in
  // flight may still reach l, so wait for it to end.
  if (!on_bus_thread()) idle_cv_.wait(lock, [&] { return !delivering_; });
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

void ListenerBus::post(const char* event, std::function<void(StreamingListener&)> deliver,
                       std::function<void()> after) {
  {
    std::lock_guard lock(mutex_);
    if (listeners_.empty() && !after) return;
    events_.push_back({event, std::move(deliver), std::move(after)});
  }
  cv_.notify_all();
}

bool ListenerBus::idle_without_listeners() {
  std::lock_guard lock(mutex_);
  return listeners_.empty() && events_.empty() && !delivering_;
}

void ListenerBus::deliver(const Event& e, StreamingListener& l, std::size_t index) {
  std::string what;
  try {
    e.deliver(l);
    return;
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
    what = "unknown exception";
  }
  // A throwing listener must not take the streaming context down, nor keep the other
  // listeners from the event. Reported once: a listener that throws on every batch would
  // otherwise flood stderr.
  if (!reported_.insert(&l).second) return;
  std::ostringstream msg;
  msg << "rill: StreamingListener #" << index << " (" << type_name(l) << ") threw from " << e.name
      << ": " << what << " (later exceptions of this listener are not reported)\n";
  std::cerr << msg.str() << std::flush;
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
    delivering_ = true;
    lock.unlock();
    for (std::size_t i = 0; i < listeners.size(); ++i) deliver(event, *listeners[i], i);
    if (event.after) event.after();
    lock.lock();
    delivering_ = false;
    idle_cv_.notify_all();
  }
}

}  // namespace rill::detail
