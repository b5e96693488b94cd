// ListenerBus: delivers streaming events to the registered listeners, in the order they
// were posted, from one thread per StreamingContext (Spark's StreamingListenerBus).
// Posting never blocks on a listener. Every listener gets every event: one that throws
// is reported on stderr (once per listener, as Spark logs it) and does not keep the
// others from the event.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <rill/dstream/streaming_listener.hpp>
#include <set>
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
  // After it returns l gets no more events: it waits for an event being delivered on the
  // bus thread (unless called from a callback, on that thread). Unknown l: no-op.
  void remove_listener(StreamingListener& l);
  void start();
  // Delivers every event posted so far, then ends the thread.
  void stop();
  // On the bus thread, after every event posted before it: deliver(l) for each listener
  // l, then after(). `event`, a string literal, names the callback ("on_batch_completed")
  // for the report of a listener that throws.
  // With no listener an event without `after` is dropped (there is nobody to tell, and
  // waking the bus thread for it is a hand-off on every batch).
  void post(const char* event, std::function<void(StreamingListener&)> deliver,
            std::function<void()> after = {});
  // No listener and nothing queued or being delivered: an `after` posted now would run
  // at once, so the poster may run it itself (without the bus thread).
  bool idle_without_listeners();
  // True on this bus's thread (inside a listener callback).
  bool on_bus_thread() const;

 private:
  struct Event {
    const char* name;
    std::function<void(StreamingListener&)> deliver;
    std::function<void()> after;
  };
  void run();
  void deliver(const Event& e, StreamingListener& l, std::size_t index);

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<StreamingListener*> listeners_;  // guarded by mutex_
  std::deque<Event> events_;                   // guarded by mutex_
  bool stopping_ = false;                      // guarded by mutex_
  bool delivering_ = false;          // guarded by mutex_: the bus thread is delivering an event
  std::condition_variable idle_cv_;  // delivering_ became false
  // Listeners that threw (reported once each); touched by the bus thread only.
  std::set<const StreamingListener*> reported_;
  std::thread thread_;  // started and joined by the owner's start()/stop()
};

}  // namespace rill::detail
