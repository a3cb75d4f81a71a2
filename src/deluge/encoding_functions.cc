// Encodings and hashes: reference §3.7 (base64Encode, encodeUrl, urlDecode, aesEncode, ...) and
// zoho.encryption.*; docs/language/builtins.md#encoding. Hashes and AES use OpenSSL's libcrypto.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "base/encoding.h"
#include "deluge/builtins.h"
#include "deluge/interpreter.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

size_t Base64Size(size_t bytes) { return (bytes + 2) / 3 * 4; }

Value Base64EncodeText(Interp& in, const Value& v, std::string_view fn) {
  // The size is known before encoding: check it first.
  if (v.is_file()) {
    if (!in.CheckText(Base64Size(v.file()->bytes.size()))) return Value::Abort();
    return in.MakeText(Base64Encode(v.file()->bytes));
  }
  std::string s;
  if (!ArgText(in, v, fn, s)) return Value::Abort();
  if (!in.CheckText(Base64Size(s.size()))) return Value::Abort();
  return in.MakeText(Base64Encode(s));
}
Value Base64DecodeText(Interp& in, const Value& v, std::string_view fn) {
  std::string s;
  if (!ArgText(in, v, fn, s) || !in.Scan(s.size())) return Value::Abort();
  std::string trimmed;
  for (char c : s) {
    if (c != '\n' && c != '\r' && c != ' ') trimmed += c;
  }
  auto decoded = Base64Decode(trimmed);
  if (!decoded) return in.Fail(Msg::kBadBase64);
  return in.MakeText(*decoded);
}
Value UrlEncodeText(Interp& in, const Value& v, std::string_view fn) {
  std::string s;
  if (!ArgText(in, v, fn, s)) return Value::Abort();
  // Up to three bytes for each: count them before encoding.
  size_t size = 0;
  for (char c : s) {
    size += (IsAsciiAlnum(c) || c == '.' || c == '-' || c == '*' || c == '_' || c == ' ') ? 1 : 3;
  }
  if (!in.CheckText(size)) return Value::Abort();
  std::string out;
  out.reserve(size);
  JavaUrlEncodeTo(out, s);
  return in.MakeText(out);
}
Value UrlDecodeText(Interp& in, const Value& v, std::string_view fn) {
  std::string s;
  if (!ArgText(in, v, fn, s)) return Value::Abort();
  return in.MakeText(PercentDecode(s, true));
}

FN(B64Encode) { return Base64EncodeText(in, self, "base64Encode"); }
FN(B64Decode) { return Base64DecodeText(in, self, "base64Decode"); }
FN(EncodeUrl) { return UrlEncodeText(in, self, "encodeUrl"); }
FN(DecodeUrl) { return UrlDecodeText(in, self, "urlDecode"); }

// ---- zoho.encryption.* ----
FN(QB64Encode) { return Base64EncodeText(in, args[0], "base64Encode"); }
FN(QB64Decode) { return Base64DecodeText(in, args[0], "base64Decode"); }
FN(QUrlEncode) { return UrlEncodeText(in, args[0], "urlEncode"); }
FN(QUrlDecode) { return UrlDecodeText(in, args[0], "urlDecode"); }

Value Digest(Interp& in, const Value& v, const EVP_MD* md, std::string_view fn) {
  std::string s;
  if (!ArgText(in, v, fn, s) || !in.Scan(s.size())) return Value::Abort();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), out, &len, md, nullptr);
  return Value::Text(HexEncode(std::string_view(reinterpret_cast<char*>(out), len)));
}
FN(Md5) { return Digest(in, args[0], EVP_md5(), "md5"); }
FN(Sha1) { return Digest(in, args[0], EVP_sha1(), "sha1"); }
FN(Sha256) { return Digest(in, args[0], EVP_sha256(), "sha256"); }
FN(Sha512) { return Digest(in, args[0], EVP_sha512(), "sha512"); }

// hmacsha*(key, message[, "base64" | "hex"]): base64 unless hex is asked for.
Value Hmac(Interp& in, const Value* args, int argc, const EVP_MD* md, std::string_view fn) {
  std::string key;
  std::string msg;
  std::string format = "base64";
  if (!ArgText(in, args[0], fn, key) || !ArgText(in, args[1], fn, msg)) return Value::Abort();
  if (argc > 2 && !ArgText(in, args[2], fn, format)) return Value::Abort();
  if (!in.Scan(key.size() + msg.size())) return Value::Abort();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  std::string_view raw(reinterpret_cast<char*>(out), len);
  if (EqualsIgnoreCase(format, "hex")) return Value::Text(HexEncode(raw));
  return Value::Text(Base64Encode(raw));
}
FN(HmacSha1) { return Hmac(in, args, argc, EVP_sha1(), "hmacsha1"); }
FN(HmacSha256) { return Hmac(in, args, argc, EVP_sha256(), "hmacsha256"); }
FN(HmacSha512) { return Hmac(in, args, argc, EVP_sha512(), "hmacsha512"); }

// aesEncode(key, text) / aesDecode(key, text): AES-256-CBC, key = SHA-256 of the key text,
// random IV prepended, base64 (docs/language/decisions.md: Zoho does not document its scheme).
bool AesKey(Interp& in, const Value& v, std::string_view fn, unsigned char key[32]) {
  std::string k;
  if (!ArgText(in, v, fn, k)) return false;
  unsigned int len = 0;
  EVP_Digest(k.data(), k.size(), key, &len, EVP_sha256(), nullptr);
  return true;
}

FN(AesEncode) {
  unsigned char key[32];
  std::string plain;
  if (!AesKey(in, args[0], "aesEncode", key) || !ArgText(in, args[1], "aesEncode", plain)) {
    return Value::Abort();
  }
  unsigned char iv[16];
  if (!in.CheckText(Base64Size(sizeof iv + plain.size() + 16))) return Value::Abort();
  in.host().random().Fill(std::span<uint8_t>(iv, sizeof iv));
  std::vector<unsigned char> out(sizeof iv + plain.size() + 32);
  std::copy(iv, iv + sizeof iv, out.begin());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n1 = 0;
  int n2 = 0;
  bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key, iv) == 1 &&
            EVP_EncryptUpdate(ctx, out.data() + sizeof iv, &n1,
                              reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, out.data() + sizeof iv + n1, &n2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return in.Fail(Msg::kBadArgument, {"aesEncode", "encryption failed"});
  out.resize(sizeof iv + static_cast<size_t>(n1 + n2));
  return in.MakeText(
      Base64Encode(std::string_view(reinterpret_cast<char*>(out.data()), out.size())));
}

FN(AesDecode) {
  unsigned char key[32];
  std::string text;
  if (!AesKey(in, args[0], "aesDecode", key) || !ArgText(in, args[1], "aesDecode", text)) {
    return Value::Abort();
  }
  auto raw = Base64Decode(text);
  if (!raw || raw->size() < 32 || raw->size() % 16 != 0) return in.Fail(Msg::kBadAesKey);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  std::vector<unsigned char> out(raw->size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n1 = 0;
  int n2 = 0;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key, bytes) == 1 &&
            EVP_DecryptUpdate(ctx, out.data(), &n1, bytes + 16,
                              static_cast<int>(raw->size() - 16)) == 1 &&
            EVP_DecryptFinal_ex(ctx, out.data() + n1, &n2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return in.Fail(Msg::kBadAesKey);
  return in.MakeText(
      std::string_view(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n1 + n2)));
}

#undef FN

constexpr Builtin kEncoding[] = {
    {"base64Encode", 0, 0, B64Encode, "encoding"}, {"base64Decode", 0, 0, B64Decode, "encoding"},
    {"encodeUrl", 0, 0, EncodeUrl, "encoding"},    {"urlEncode", 0, 0, EncodeUrl, "encoding"},
    {"urlDecode", 0, 0, DecodeUrl, "encoding"},    {"decodeUrl", 0, 0, DecodeUrl, "encoding"},
};

constexpr Builtin kEncodingGlobals[] = {
    {"aesEncode", 2, 2, AesEncode, "encoding"},
    {"aesDecode", 2, 2, AesDecode, "encoding"},
};

constexpr Builtin kQualified[] = {
    {"zoho.encryption.base64Encode", 1, 1, QB64Encode, "encoding"},
    {"zoho.encryption.base64Decode", 1, 1, QB64Decode, "encoding"},
    {"zoho.encryption.urlEncode", 1, 1, QUrlEncode, "encoding"},
    {"zoho.encryption.urlDecode", 1, 1, QUrlDecode, "encoding"},
    {"zoho.encryption.md5", 1, 1, Md5, "encoding"},
    {"zoho.encryption.sha1", 1, 1, Sha1, "encoding"},
    {"zoho.encryption.sha256", 1, 1, Sha256, "encoding"},
    {"zoho.encryption.sha512", 1, 1, Sha512, "encoding"},
    {"zoho.encryption.hmacsha1", 2, 3, HmacSha1, "encoding"},
    {"zoho.encryption.hmacsha256", 2, 3, HmacSha256, "encoding"},
    {"zoho.encryption.hmacsha512", 2, 3, HmacSha512, "encoding"},
    {"zoho.encryption.aesEncode", 2, 2, AesEncode, "encoding"},
    {"zoho.encryption.aesDecode", 2, 2, AesDecode, "encoding"},
};

}  // namespace

std::span<const Builtin> EncodingMethods() { return kEncoding; }
std::span<const Builtin> EncodingFunctions() { return kEncodingGlobals; }
std::span<const Builtin> QualifiedFunctions() { return kQualified; }

}  // namespace relish::deluge
