#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <mutex>

namespace relish {
namespace {

constexpr std::string_view kMask = "[REDACTED]";

// A sink that scrubs known secrets out of each message, then forwards to the real sink.
class RedactingSink final : public spdlog::sinks::sink {
 public:
  explicit RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!GlobalRedactor().Contains(payload)) {
      inner_->log(msg);
      return;
    }
    std::string scrubbed = GlobalRedactor().Scrub(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = scrubbed;
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

std::shared_ptr<spdlog::logger> g_access;  // set once at start-up, before any request

void Install(std::shared_ptr<spdlog::sinks::sink> sink, spdlog::level::level_enum level) {
  auto redacting = std::make_shared<RedactingSink>(std::move(sink));
  auto main = std::make_shared<spdlog::logger>("relish", redacting);
  auto access = std::make_shared<spdlog::logger>("access", redacting);
  main->set_level(level);
  access->set_level(level);
  g_access = access;
  spdlog::set_default_logger(main);
}

}  // namespace

void Redactor::Add(std::string_view secret) {
  if (secret.size() < kMinLength) return;
  std::unique_lock lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.emplace_back(secret);
  }
}

void Redactor::Remove(std::string_view secret) {
  std::unique_lock lock(mu_);
  std::erase(secrets_, secret);
}

bool Redactor::Contains(std::string_view text) const {
  std::shared_lock lock(mu_);
  return std::any_of(secrets_.begin(), secrets_.end(),
                     [&](const std::string& s) { return text.find(s) != std::string_view::npos; });
}

std::string Redactor::Scrub(std::string_view text) const {
  std::string out(text);
  std::shared_lock lock(mu_);
  for (const auto& secret : secrets_) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kMask);
      pos += kMask.size();
    }
  }
  return out;
}

size_t Redactor::size() const {
  std::shared_lock lock(mu_);
  return secrets_.size();
}

Redactor& GlobalRedactor() {
  static Redactor redactor;
  return redactor;
}

Result<void> InitLogging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return InvalidArgument("unknown log level '" + options.level +
                           "' (use trace, debug, info, warn, error or off)");
  }
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Unavailable(std::string("cannot open log file: ") + e.what());
  }
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %n: %v");
  Install(std::move(sink), level);
  return Ok();
}

void InitLoggingForTest(std::shared_ptr<spdlog::sinks::sink> sink) {
  sink->set_pattern("%l %n: %v");
  Install(std::move(sink), spdlog::level::trace);
}

spdlog::logger& AccessLog() {
  // Not initialised (a unit test): fall back to the default logger.
  return g_access ? *g_access : *spdlog::default_logger();
}

}  // namespace relish
