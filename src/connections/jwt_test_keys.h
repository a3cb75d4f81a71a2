// For tests of the JWT grants (jwt_test.cc, tests/integration/jwt_loopback_test.cc): a fresh RSA
// key pair, and what a token endpoint does with an assertion: verify its RS256 signature with the
// public key and read its claims. Header-only; test code only.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/encoding.h"

namespace relish::connections::testing {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

inline std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

inline KeyPair NewKeyPair() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, key);
  KeyPair out{BioText(priv), BioText(pub)};
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return out;
}

// The claims of `jwt` when its header is RS256's and its signature over header.payload verifies
// with `public_pem`; nullopt otherwise (also for claims that are not JSON).
inline std::optional<nlohmann::json> VerifiedClaims(const std::string& jwt,
                                                    const std::string& public_pem) {
  auto dot1 = jwt.find('.');
  auto dot2 = jwt.rfind('.');
  if (dot1 == std::string::npos || dot2 == dot1) return std::nullopt;
  auto header = Base64Decode(jwt.substr(0, dot1));
  auto payload = Base64Decode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = Base64Decode(jwt.substr(dot2 + 1));
  if (!header || !payload || !signature) return std::nullopt;
  if (*header != R"({"alg":"RS256","typ":"JWT"})") return std::nullopt;
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string input = jwt.substr(0, dot2);
  bool ok = key && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()),
                             signature->size(),
                             reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!ok) return std::nullopt;
  auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (claims.is_discarded()) return std::nullopt;
  return claims;
}

}  // namespace relish::connections::testing
