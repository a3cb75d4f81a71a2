// FakeHost: a Host for tests. It answers invokeurl with recorded responses (in order), answers
// integration tasks with recorded JSON, records every request, task call, mail and info line
// exactly, and runs on a FakeClock and FakeRandom. Single-threaded, like a run.
//
// The fake clock moves only when told, so by default a script can never run out of time. With
// SetClockStep, every read of the monotonic clock moves it on by the step: the execution-time
// limit then trips after a known number of reads, which tests that long work inside a built-in
// reads the clock at all, deterministically and without timing anything.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "deluge/host.h"

namespace relish::deluge {

class FakeHost final : public Host {
 public:
  // 2020-12-09 11:55:24 UTC: 17:25:24 in Asia/Kolkata, the time Zoho's docs show.
  static constexpr int64_t kDefaultNow = 1'607'514'924'000;

  FakeHost() : clock_(kDefaultNow) {}
  FakeHost(const FakeHost&) = delete;  // its clock refers to itself
  FakeHost& operator=(const FakeHost&) = delete;

  // ---- what the host answers ----
  void AddResponse(HttpResponse response) { responses_.emplace_back(std::move(response)); }
  void AddFetchError(Error error) { responses_.emplace_back(std::move(error)); }
  // `json` is the task's result as JSON text; results for one name are used in order, and the
  // last one is repeated.
  void AddTaskResult(const std::string& name, std::string json);
  void AddTaskError(const std::string& name, Error error);
  void SetFetchLatency(Millis latency) { latency_ = latency; }
  void SetClockStep(Millis step) { stepping_.step = step; }
  void SetTimeZone(std::string zone) { zone_ = std::move(zone); }
  void SetUser(UserInfo user) { user_ = std::move(user); }
  void SetMailError(Error error) { mail_error_ = std::move(error); }
  FakeClock& fake_clock() { return clock_; }
  // A function of the organization, for standalone.name(...) (name matched case-insensitively).
  void AddFunction(const std::string& name, std::string source);
  // A connection for invokeapi: once any is added, only these exist (link name -> service id,
  // origin); with none, every link name is a connection at the service's US host.
  void AddConnection(const std::string& link, std::string service_id, std::string origin);

  // ---- what the script did ----
  const std::vector<HttpRequest>& requests() const { return requests_; }
  const std::vector<std::string>& info() const { return info_; }
  const std::vector<MailMessage>& mails() const { return mails_; }
  // Every task call as "name(arg1,arg2,...)" with the arguments in JSON.
  const std::vector<std::string>& task_calls() const { return task_calls_; }
  // Info lines and, when `record_calls` is set, each host call ("> GET https://...") in order.
  const std::vector<std::string>& transcript() const { return transcript_; }
  void set_record_calls(bool on) { record_calls_ = on; }

  // ---- Host ----
  Result<HttpResponse> Fetch(const HttpRequest& request) override;
  Result<Value> CallTask(std::string_view name, std::vector<Value> args, Heap& heap) override;
  void Info(std::string_view line) override;
  Result<std::string> FunctionSource(std::string_view name) override;
  Result<std::string> ZohoServiceOrigin(std::string_view service_id,
                                        std::string_view connection) override;
  Result<void> SendMail(const MailMessage& message) override;
  const Clock& clock() const override { return stepping_; }
  std::string TimeZone() const override { return zone_; }
  UserInfo User() const override { return user_; }
  Random& random() const override { return random_; }

 private:
  struct Answer {
    explicit Answer(HttpResponse r) : response(std::move(r)) {}
    explicit Answer(Error e) : error(std::move(e)) {}
    HttpResponse response;
    std::optional<Error> error;
  };
  struct Connection {
    std::string service_id;
    std::string origin;
  };
  std::map<std::string, Connection, std::less<>> connections_;
  struct TaskAnswer {
    std::string json;
    std::optional<Error> error;
  };

  // clock_, moved on by `step` after each monotonic read.
  class SteppingClock final : public Clock {
   public:
    explicit SteppingClock(FakeClock& clock) : clock_(clock) {}
    SystemTime Now() const override { return clock_.Now(); }
    std::chrono::steady_clock::time_point Monotonic() const override {
      auto now = clock_.Monotonic();
      clock_.Advance(step);
      return now;
    }
    Millis step{0};

   private:
    FakeClock& clock_;
  };

  FakeClock clock_;
  SteppingClock stepping_{clock_};
  mutable FakeRandom random_{42};
  std::string zone_ = "UTC";
  UserInfo user_;
  Millis latency_{0};
  std::deque<Answer> responses_;
  std::map<std::string, std::deque<TaskAnswer>> tasks_;
  std::optional<Error> mail_error_;
  bool record_calls_ = false;

  std::vector<HttpRequest> requests_;
  std::vector<std::string> info_;
  std::vector<MailMessage> mails_;
  std::vector<std::string> task_calls_;
  std::vector<std::string> transcript_;
  std::map<std::string, std::string> functions_;  // lowercase name -> source
};

}  // namespace relish::deluge
