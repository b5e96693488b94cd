// ListenerBus: delivers streaming events to the registered listeners, in the order they
// were posted, from one thread per StreamingContext (Spark's StreamingListenerBus).
// Posting never blocks on a listener.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>
#include <thread>
#include <vector>

namespace rill::detail {

class ListenerBus {
 public:
  ListenerBus() = default;
  ~ListenerBus() { stop(); }
  ListenerBus(const ListenerBus&) = delete;
  ListenerBus& operator=(const ListenerBus&) = delete;

  void add_listener(StreamingListener& l);
  void start();
  // Delivers every event posted so far, then ends the thread.
  void stop();
  // f runs on the bus thread with the listeners, after every event posted before it.
  void post(std::function<void(const std::vector<StreamingListener*>&)> f);
  // True on this bus's thread (inside a listener callback).
  bool on_bus_thread() const;

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StreamingListener*> listeners_;  // guarded by mutex_
  std::deque<std::function<void(const std::vector<StreamingListener*>&)>>
      events_;             // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // started and joined by the owner's start()/stop()
};

}  // namespace rill::detail
