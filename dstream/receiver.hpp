// Receiver<T>: user code that pulls records from an external source and store()s them
// (Spark's Receiver). on_start runs on the receiver's own thread and may block until
// is_stopped(); the streaming side cuts stored records into blocks, one batch's blocks
// becoming the partitions of that batch's RDD.
#pragma once
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace rill {
namespace detail {

// Where a receiver's records and requests go: implemented by the streaming side (the
// block generator and the receiver supervisor). Thread safe.
template <class T>
class ReceiverSink {
 public:
  virtual ~ReceiverSink() = default;
  virtual void store(T record) = 0;
  virtual void store(std::vector<T> records) = 0;
  virtual void restart(const std::string& reason) = 0;
  virtual void report_error(const std::string& message) = 0;
};

}  // namespace detail

template <class T>
class Receiver {
 public:
  virtual ~Receiver() = default;
  // Starts receiving; runs on the receiver's own thread. May return at once after starting
  // threads of its own, or loop until is_stopped().
  virtual void on_start() = 0;
  // Releases what on_start acquired; called once per start, after is_stopped() turned true.
  virtual void on_stop() = 0;
  virtual std::string name() const { return "Receiver"; }

  // Buffered: gathered into blocks, with no promise about a crash.
  void store(T record) { sink().store(std::move(record)); }
  // One block. With Config::write_ahead_log it returns only once the block is durable in
  // the log (Spark's reliable receiver): a receiver over a replayable source advances
  // its offset after this returns, and a crash from then on loses nothing of the block.
  void store(std::vector<T> records) { sink().store(std::move(records)); }
  // Stops the receiver, waits a moment, and starts it again (on_stop, then on_start).
  void restart(const std::string& reason) { sink().restart(reason); }
  // Reports a problem to the streaming listeners without stopping.
  void report_error(const std::string& message) { sink().report_error(message); }
  bool is_stopped() const { return stopped_.load(std::memory_order_acquire); }

  // For the receiver supervisor only.
  void attach(detail::ReceiverSink<T>* sink) { sink_.store(sink, std::memory_order_release); }
  void set_stopped(bool stopped) { stopped_.store(stopped, std::memory_order_release); }

 private:
  detail::ReceiverSink<T>& sink() const {
    auto* s = sink_.load(std::memory_order_acquire);
    if (!s)
      throw std::logic_error(name() + ": store/restart called on a receiver that is not running");
    return *s;
  }
  std::atomic<detail::ReceiverSink<T>*> sink_{nullptr};
  std::atomic<bool> stopped_{true};
};

}  // namespace rill
