#include "deluge/zip.h"

#include <zlib.h>

#include <cstdint>

namespace relish::deluge {
namespace {

void Put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}
uint32_t Get16(std::string_view s, size_t at) {
  return static_cast<uint8_t>(s[at]) | (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 8);
}
uint32_t Get32(std::string_view s, size_t at) { return Get16(s, at) | (Get16(s, at + 2) << 16); }

constexpr uint32_t kLocal = 0x04034b50;
constexpr uint32_t kCentral = 0x02014b50;
constexpr uint32_t kEnd = 0x06054b50;
constexpr uint32_t kUtf8Flag = 0x0800;
constexpr uint32_t kDate1980 = 0x0021;  // 1980-01-01 in DOS date form

std::string Deflate(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Inflates raw deflate data, producing at most `room` bytes (false past it or on bad data).
bool Inflate(std::string_view in, size_t room, std::string& out, bool& too_big) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    size_t got = sizeof chunk - z.avail_out;
    if (out.size() + got > room) {
      too_big = true;
      break;
    }
    out.append(chunk, got);
    if (rc == Z_OK && got == 0 && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END && !too_big;
}

}  // namespace

std::string WriteZip(const std::vector<ZipSource>& entries) {
  std::string out;
  std::string central;
  for (const ZipSource& e : entries) {
    uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(e.bytes.data()), static_cast<uInt>(e.bytes.size())));
    std::string data = Deflate(e.bytes);
    uint32_t offset = static_cast<uint32_t>(out.size());
    auto head = [&](std::string& to, bool local) {
      Put32(to, local ? kLocal : kCentral);
      if (!local) Put16(to, 20);  // version made by
      Put16(to, 20);              // version needed
      Put16(to, kUtf8Flag);
      Put16(to, 8);  // deflate
      Put16(to, 0);  // time
      Put16(to, kDate1980);
      Put32(to, crc);
      Put32(to, static_cast<uint32_t>(data.size()));
      Put32(to, static_cast<uint32_t>(e.bytes.size()));
      Put16(to, static_cast<uint32_t>(e.name.size()));
      Put16(to, 0);  // extra
      if (!local) {
        Put16(to, 0);  // comment
        Put16(to, 0);  // disk
        Put16(to, 0);  // internal attributes
        Put32(to, 0);  // external attributes
        Put32(to, offset);
      }
      to += e.name;
    };
    head(out, true);
    out += data;
    head(central, false);
  }
  uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, kEnd);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, static_cast<uint32_t>(entries.size()));
  Put16(out, static_cast<uint32_t>(entries.size()));
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, cd_offset);
  Put16(out, 0);
  return out;
}

bool ReadZip(std::string_view zip, size_t max_total, std::vector<ZipEntry>& out,
             std::string& error) {
  error = "it is not a ZIP archive";
  if (zip.size() < 22) return false;
  size_t end = std::string_view::npos;
  size_t lowest = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  for (size_t at = zip.size() - 22 + 1; at-- > lowest;) {
    if (Get32(zip, at) == kEnd) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos) return false;
  size_t count = Get16(zip, end + 10);
  size_t cd = Get32(zip, end + 16);
  if (count == 0xFFFF || cd == 0xFFFFFFFF) {
    error = "ZIP64 archives are not supported";
    return false;
  }
  if (count > kMaxZipEntries) {
    error = "it holds more than " + std::to_string(kMaxZipEntries) + " files";
    return false;
  }
  size_t total = 0;
  size_t at = cd;
  for (size_t i = 0; i < count; ++i) {
    error = "its directory is damaged";
    if (at + 46 > zip.size() || Get32(zip, at) != kCentral) return false;
    uint32_t flags = Get16(zip, at + 8);
    uint32_t method = Get16(zip, at + 10);
    uint32_t crc = Get32(zip, at + 16);
    size_t csize = Get32(zip, at + 20);
    size_t usize = Get32(zip, at + 24);
    size_t nlen = Get16(zip, at + 28);
    // The entry's variable part: its name, extra field and comment, after the 46 fixed bytes.
    size_t variable = nlen + Get16(zip, at + 30) + Get16(zip, at + 32);
    size_t local = Get32(zip, at + 42);
    if (at + 46 + nlen > zip.size()) return false;
    std::string name(zip.substr(at + 46, nlen));
    at += 46 + variable;  // the next entry (bounds-checked at the loop's top)
    if (flags & 1) {
      error = "'" + name + "' is encrypted";
      return false;
    }
    if (local + 30 > zip.size() || Get32(zip, local) != kLocal) return false;
    size_t data = local + 30 + Get16(zip, local + 26) + Get16(zip, local + 28);
    if (data > zip.size() || csize > zip.size() - data) return false;
    if (!name.empty() && name.back() == '/') continue;  // a directory
    std::string_view packed = zip.substr(data, csize);
    ZipEntry e;
    e.name = std::move(name);
    size_t room = max_total - total;
    auto over = [&] {
      error = "it expands past " + std::to_string(max_total) + " bytes";
      return false;
    };
    if (method == 0) {
      if (csize > room) return over();
      e.bytes = std::string(packed);
    } else if (method == 8) {
      bool too_big = false;
      if (!Inflate(packed, room, e.bytes, too_big)) {
        if (too_big) return over();
        error = "'" + e.name + "' is damaged";
        return false;
      }
    } else {
      error = "'" + e.name + "' uses a compression method other than deflate";
      return false;
    }
    uint32_t got = static_cast<uint32_t>(crc32(
        0, reinterpret_cast<const Bytef*>(e.bytes.data()), static_cast<uInt>(e.bytes.size())));
    if (got != crc || e.bytes.size() != usize) {
      error = "'" + e.name + "' is damaged (its checksum does not match)";
      return false;
    }
    total += e.bytes.size();
    out.push_back(std::move(e));
  }
  error.clear();
  return true;
}

}  // namespace relish::deluge
