// The seed's setting for one test: the Zoho Books stand-in (tests/standins/books, run by node)
// and a Relish in-process on loopback (port 0, a fresh data directory in /tmp) serving on its
// own thread with the workflow workers running, its sandbox remapping books.zoho.com and
// accounts.zoho.com to the stand-in, the stand-in's client registered for zoho_books, and a
// RelishClient signed in as the first administrator. Used by tests/functions/seed_flow_test.cc
// and tests/workflow/seed_workflow_test.cc.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "base/config.h"
#include "base/log.h"
#include "testing/books_standin.h"
#include "testing/relish_client.h"
#include "testing/serve_in_background.h"

namespace relish::testing {

class RelishWithBooks {
 public:
  using Json = RelishClient::Json;

  static constexpr const char* kAdminEmail = "admin@localhost";
  static constexpr const char* kAdminPassword = "admin-password-for-tests-9c2d";
  static constexpr const char* kBooksClientId = "books-client-id";
  static constexpr const char* kBooksClientSecret = "books-client-secret-4f1e";

  // `name` tells this test's data directory apart. Returns "" when running; otherwise what went
  // wrong, with `*skipped` set when the stand-in cannot start (no node).
  // `plays`: Zoho hosts the stand-in plays on ports of their own (tests/standins/books), each
  // remapped to its port; books.zoho.com and accounts.zoho.com go to the main port unless played.
  std::string Start(const std::string& source_dir, const std::string& name, bool* skipped,
                    const std::vector<std::string>& plays = {}) {
    *skipped = false;
    std::string error;
    books_ = BooksStandIn::Start(source_dir, kBooksClientId, kBooksClientSecret, &error, plays);
    if (!books_) {
      *skipped = true;
      return error;
    }
    // Everything Relish logs, after its redactor, for the tests' leak scans.
    InitLoggingForTest(std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));

    data_ = std::filesystem::temp_directory_path() /
            ("relish-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_);
    remap_.clear();
    for (const char* h : {"books.zoho.com", "accounts.zoho.com"}) {
      if (!books_->played().contains(h)) remap_ += std::string(remap_.empty() ? "" : ",") + h + "=" + books_->url();
    }
    for (const auto& [h, url] : books_->played()) remap_ += "," + h + "=" + url;
    ConfigSources sources;
    sources.flags = {{"data_dir", data_.string()},
                     {"listen", "127.0.0.1:0"},
                     {"admin_email", kAdminEmail},
                     {"admin_password", kAdminPassword},
                     // The bigin service lives at this Relish's own loopback URL.
                     {"egress_allow_loopback", "true"},
                     {"sandbox_remap", remap_}};
    auto config = LoadConfig(sources);
    if (!config.ok()) return config.error().ToString();
    auto app = app::App::Open(*config);
    if (!app.ok()) return app.error().ToString();
    app_ = std::move(*app);
    uint16_t port = ServeInBackground(*app_, server_, [this](const std::string& e) { serve_error_ = e; });
    relish_ = std::make_unique<RelishClient>("http://127.0.0.1:" + std::to_string(port));
    if (auto e = relish_->SignInForToken(kAdminEmail, kAdminPassword); !e.empty()) return e;
    auto client =
        relish_->Api("PUT", "/api/v1/services/zoho_books/client",
                     {{"client_id", kBooksClientId}, {"client_secret", kBooksClientSecret}});
    if (client.status != 200) return "set the zoho_books client: " + client.body;
    return "";
  }

  // Stops Relish (in-flight requests and runs finish first) and removes its data directory
  // unless `keep_data`. The stand-in stops when this object goes.
  void Stop(bool keep_data = false) {
    if (app_) app_->Stop();
    if (server_.joinable()) server_.join();
    app_.reset();
    if (!keep_data && !data_.empty()) std::filesystem::remove_all(data_);
  }

  ~RelishWithBooks() {
    Stop();
    (void)InitLogging({.level = "warn"});  // the test's sink refers to log_
  }

  RelishClient& relish() { return *relish_; }
  BooksStandIn& books() { return *books_; }
  const std::filesystem::path& data_dir() const { return data_; }
  const std::string& remap() const { return remap_; }
  std::string log() const { return log_.str(); }  // after Stop(): the sink writes from any thread
  const std::string& serve_error() const { return serve_error_; }

  // A GET on the stand-in's own inspection endpoints (/_standin/...); null on failure.
  Json StandIn(const std::string& path) {
    auto r = relish_->Send("GET", books_->url() + path);
    return r.status == 200 ? r.json : Json();
  }

 private:
  std::unique_ptr<BooksStandIn> books_;
  std::ostringstream log_;
  std::filesystem::path data_;
  std::string remap_;
  std::unique_ptr<app::App> app_;
  std::thread server_;
  std::string serve_error_;
  std::unique_ptr<RelishClient> relish_;
};

inline std::string ReadWholeFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace relish::testing
