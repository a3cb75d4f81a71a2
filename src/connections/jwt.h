// RS256 JSON Web Tokens for the JWT bearer grant (RFC 7523: Google service accounts). The private
// key is the OAuth client's secret: it is read from the vault for one signature and never
// appears in an error, a log or a request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace relish::connections {

// header.payload.signature with {"alg":"RS256","typ":"JWT"} and `claims_json` (a JSON object,
// already serialized) signed with the PEM private key (PKCS#8 or PKCS#1 RSA). An unreadable or
// non-RSA key is an error that quotes nothing of it.
Result<std::string> SignRs256Jwt(std::string_view claims_json, std::string_view private_key_pem);

// The claims of a JWT bearer assertion: issuer (the service account), scopes (space-separated),
// audience (the token URL), issued now and valid for an hour, and optionally the user to act as.
std::string JwtBearerClaims(std::string_view issuer, std::string_view scope,
                            std::string_view audience, int64_t now_seconds,
                            std::string_view subject);

// Accepts a Google service account key file (JSON with "private_key") or a bare PEM, so either
// can be pasted as the client secret; returns the PEM.
std::string PrivateKeyPem(std::string_view secret);

}  // namespace relish::connections
