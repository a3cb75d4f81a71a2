// The CRM's record API as the integration tasks see it: Bigin's REST operations and shapes
// (bodies {"data":[...]}, per-record results, Zoho's error maps), with two transports:
//
//   HttpRecords   over HTTP, for a task given a connection: the request goes to the
//                 connection's base URL through a sender the host supplies (Connections::Call).
//   LocalRecords  in-process against crm::Crm, for a task without a connection: the run's
//                 organization and environment, acting as the run's user.
//
// Both answer the same status and body for the same request (LocalRecords is crm::SendRecords,
// which the REST API serves too), so a task gives the same result whichever way it went.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "crm/crm.h"
#include "crm/record_api.h"
#include "functions/value_json.h"
#include "outbound/http_client.h"

namespace relish::functions {

using crm::Query;
using crm::RecordOp;
using crm::RecordRequest;
using crm::RecordResponse;

// "GET", "POST", ... and "/Contacts/123", "/Contacts/search?criteria=..." for an operation.
std::string MethodOf(RecordOp op);
std::string PathOf(const RecordRequest& request);

class RecordsApi {
 public:
  virtual ~RecordsApi() = default;
  // An error when the call could not be made at all (transport, connection, store); refusals by
  // the API (INVALID_DATA, ...) are responses.
  virtual Result<RecordResponse> Send(const RecordRequest& request) = 0;
};

class HttpRecords final : public RecordsApi {
 public:
  using Sender = std::function<Result<outbound::Response>(outbound::Request)>;
  // `base_url` without a trailing slash ("https://relish.example.com/bigin/v2").
  HttpRecords(std::string base_url, Sender sender)
      : base_url_(std::move(base_url)), sender_(std::move(sender)) {}
  Result<RecordResponse> Send(const RecordRequest& request) override;

 private:
  std::string base_url_;
  Sender sender_;
};

// In-process: a function's own run acts with the platform's authority in its organization, so
// no OAuth scope applies.
class LocalRecords final : public RecordsApi {
 public:
  LocalRecords(crm::Crm& crm, crm::Space space, crm::Actor actor)
      : crm_(crm), space_(std::move(space)), actor_(std::move(actor)) {}
  Result<RecordResponse> Send(const RecordRequest& request) override;

 private:
  crm::Crm& crm_;
  crm::Space space_;
  crm::Actor actor_;
};

}  // namespace relish::functions
