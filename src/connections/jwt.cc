#include "connections/jwt.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "base/encoding.h"

namespace relish::connections {

Result<std::string> SignRs256Jwt(std::string_view claims_json, std::string_view private_key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())), BIO_free);
  if (!bio) return Internal("cannot read the private key");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) return InvalidArgument("the client secret is not a PEM private key");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
    return InvalidArgument("the client secret is not an RSA private key (RS256 needs one)");
  }
  std::string input = Base64UrlEncode(R"({"alg":"RS256","typ":"JWT"})") + "." +
                      Base64UrlEncode(claims_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return Internal("signing the JWT failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Internal("signing the JWT failed");
  }
  signature.resize(length);
  return input + "." + Base64UrlEncode(signature);
}

std::string JwtBearerClaims(std::string_view issuer, std::string_view scope,
                            std::string_view audience, int64_t now_seconds,
                            std::string_view subject) {
  nlohmann::json claims = {{"iss", issuer}, {"aud", audience}, {"iat", now_seconds},
                           {"exp", now_seconds + 3600}};
  if (!scope.empty()) claims["scope"] = scope;
  if (!subject.empty()) claims["sub"] = subject;
  return claims.dump();
}

std::string PrivateKeyPem(std::string_view secret) {
  auto start = secret.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || secret[start] != '{') return std::string(secret);
  auto parsed = nlohmann::json::parse(secret, nullptr, false);
  if (parsed.is_object() && parsed.contains("private_key") && parsed["private_key"].is_string()) {
    return parsed["private_key"].get<std::string>();
  }
  return std::string(secret);
}

}  // namespace relish::connections
