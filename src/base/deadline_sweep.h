// Timeouts for many sockets of one io_context without a timer per operation. Each socket that
// may wait registers a Deadline; one timer, running only while any are registered, cancels every
// `tick` the pending operation of those past their deadline (the operation then ends with
// operation_aborted, and Deadline::expired says why). beast::tcp_stream armed and cancelled an
// Asio timer around every read and write, with a timerfd_settime call whenever the earliest
// deadline moved. A deadline is as precise as the tick.
//
// Used on the io_context's one thread only. Held by shared_ptr: the timer's handler keeps the
// sweep alive until it has run.
#pragma once

#include <chrono>
#include <memory>
#include <unordered_set>

#include "base/asio.h"

namespace relish {

class DeadlineSweep : public std::enable_shared_from_this<DeadlineSweep> {
 public:
  static constexpr auto kNever = std::chrono::steady_clock::time_point::max();

  struct Deadline {
    std::chrono::steady_clock::time_point at = kNever;  // of the pending operation
    TcpSocket* socket = nullptr;                         // the one that operation waits on
    bool expired = false;                                // the sweep cancelled it
    void Arm(std::chrono::milliseconds timeout) { at = std::chrono::steady_clock::now() + timeout; }
    void Disarm() { at = kNever; }
  };

  // Registers `deadline` for its lifetime.
  class Registration {
   public:
    Registration(std::shared_ptr<DeadlineSweep> sweep, Deadline& deadline)
        : sweep_(std::move(sweep)), deadline_(deadline) {
      sweep_->Add(deadline_);
    }
    ~Registration() { sweep_->Remove(deadline_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    std::shared_ptr<DeadlineSweep> sweep_;
    Deadline& deadline_;
  };

  DeadlineSweep(boost::asio::io_context& ioc, std::chrono::milliseconds tick)
      : timer_(ioc.get_executor()), tick_(tick) {}

 private:
  void Add(Deadline& d) {
    deadlines_.insert(&d);
    if (!running_) {
      running_ = true;
      Arm();
    }
  }
  void Remove(Deadline& d) {
    deadlines_.erase(&d);
    if (deadlines_.empty() && running_) {
      running_ = false;
      timer_.cancel();
    }
  }
  void Arm() {
    timer_.expires_after(tick_);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || !self->running_) return;
      auto now = std::chrono::steady_clock::now();
      for (Deadline* d : self->deadlines_) {
        if (d->at <= now && d->socket != nullptr) {
          d->at = kNever;
          d->expired = true;
          boost::system::error_code ignored;
          d->socket->cancel(ignored);
        }
      }
      self->Arm();
    });
  }

  SteadyTimer timer_;
  std::chrono::milliseconds tick_;
  bool running_ = false;
  std::unordered_set<Deadline*> deadlines_;
};

}  // namespace relish
