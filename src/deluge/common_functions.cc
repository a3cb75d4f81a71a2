// Common and conversion functions that apply to every type (reference §3.7,
// docs/language/builtins.md#common), file functions, and functions without a receiver (ifnull,
// randomNumber).
#include <algorithm>
#include <cmath>

#include "deluge/builtins.h"
#include "deluge/datetime.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/text_util.h"
#include "deluge/zip.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

bool Empty(const Value& v) {
  switch (v.type()) {
    case Type::kNull:
      return true;
    case Type::kText:
      return v.text().empty();
    case Type::kList:
      return v.list()->items.empty();
    case Type::kMap:
      return v.map()->map.empty();
    case Type::kCollection:
      return Empty(v.collection()->inner);
    default:
      return false;
  }
}

// isNull: null, or empty text (Zoho: isNull("") is true, isNull(" ") is false).
FN(IsNull) { return Value::Bool(self.is_null() || (self.is_text() && self.text().empty())); }
FN(IsEmpty) { return Value::Bool(Empty(self)); }

FN(ToStringFn) {
  if (self.is_text()) return self;
  std::string s;
  if (!in.Display(self, s)) return Value::Abort();
  return in.MakeText(s);
}

FN(Equals) {
  bool equal = false;
  if (!ValuesIdentical(in, self, args[0], equal)) return Value::Abort();
  return Value::Bool(equal);
}

FN(IsNumber) {
  Value n;
  return Value::Bool(ToNumberValue(self, n));
}
FN(IsDecimal) {
  Value n;
  return Value::Bool(ToNumberValue(self, n) && n.is_decimal());
}
FN(IsText) { return Value::Bool(self.is_text()); }
FN(IsFile) { return Value::Bool(self.is_file()); }
FN(IsDate) {
  if (self.is_date()) return Value::Bool(true);
  return Value::Bool(self.is_text() && ParseDateText(self.text(), in.zone()).has_value());
}
FN(IsList) { return Value::Bool(self.is_list()); }
FN(IsMap) { return Value::Bool(self.is_map()); }

// ---- files ----
FN(FileName) { return in.MakeText(self.file()->name); }
FN(FileSize) { return Value::Int(static_cast<int64_t>(self.file()->bytes.size())); }
// A binary file's bytes that are not UTF-8 become U+FFFD: a text counts characters.
FN(FileContent) { return in.MakeText(ValidUtf8(self.file()->bytes)); }
FN(FileType) { return Value::Text(self.file()->content_type); }
FN(SetFileName) {
  std::string name;
  if (!ArgText(in, args[0], "setFileName", name)) return Value::Abort();
  self.file()->name = name;
  return Value();
}

// ---- files as invokeurl uploads them (issue 17) ----
// setParamName(name): the multipart part the file is sent as by invokeurl's `files`.
FN(SetParamName) {
  std::string name;
  if (!ArgText(in, args[0], "setParamName", name)) return Value::Abort();
  self.file()->param_name = name;
  return Value();
}

// A file value is at most the text limit (64 MB by default): what compress() makes and what
// extract() unpacks are checked against it and against the run's memory.
size_t FileRoom(Interp& in) { return std::min(in.limits().max_text_bytes, in.TextRoom()); }

// compress([zipName]) on a file or a list of files: one ZIP file holding them, named zipName
// (default: the first file's name with .zip). Each file keeps its name; a second file of the
// same name gets " (2)" before its extension, as Zoho's WorkDrive names duplicates.
FN(Compress) {
  std::vector<const FileObj*> files;
  if (self.is_file()) {
    files.push_back(self.file());
  } else {
    for (const Value& v : self.list()->items) {
      if (!v.is_file()) return in.Fail(Msg::kCastError, {TypeName(v.type()), "FILE", "compress"});
      files.push_back(v.file());
    }
  }
  if (files.empty()) return in.Fail(Msg::kBadArgument, {"compress", "there is no file to compress"});
  if (files.size() > kMaxZipEntries) {
    return in.Fail(Msg::kBadArgument,
                   {"compress", "more than " + std::to_string(kMaxZipEntries) + " files"});
  }
  std::string name;
  if (argc > 0 && !args[0].is_null()) {
    if (!ArgText(in, args[0], "compress", name)) return Value::Abort();
  } else {
    name = files[0]->name.substr(0, files[0]->name.rfind('.'));
    if (name.empty()) name = "files";
  }
  if (!name.ends_with(".zip") && !name.ends_with(".ZIP")) name += ".zip";
  std::vector<ZipSource> entries;
  size_t total = 0;
  for (const FileObj* f : files) {
    // The same file many times in a list is small in memory, not as work: the input is bounded
    // by the run's memory budget, the archive itself by the file limit.
    total += f->bytes.size();
    if (total > in.limits().max_memory_bytes) {
      return in.Fail(Msg::kBadArgument,
                     {"compress", "the files hold more than " +
                                      std::to_string(in.limits().max_memory_bytes) + " bytes"});
    }
    std::string entry = f->name.empty() ? "file" : f->name;
    for (int n = 2;; ++n) {
      bool taken = false;
      for (const ZipSource& e : entries) taken = taken || e.name == entry;
      if (!taken) break;
      std::string base = f->name.substr(0, f->name.rfind('.'));
      std::string ext = f->name.rfind('.') == std::string::npos ? "" : f->name.substr(f->name.rfind('.'));
      entry = base + " (" + std::to_string(n) + ")" + ext;
    }
    entries.push_back({std::move(entry), f->bytes});
  }
  if (!in.Work(total / 16)) return Value::Abort();
  std::string zip = WriteZip(entries);
  if (!in.CheckText(zip.size())) return Value::Abort();
  return NewFile(std::move(name), "application/zip", std::move(zip));
}

// extract() on a ZIP file: its files, in the archive's order, as a list. Bounded: an archive
// that expands past the file limit (or the run's memory) is refused, a zip bomb included.
FN(Extract) {
  std::vector<ZipEntry> entries;
  std::string error;
  size_t room = FileRoom(in);
  if (!in.Work(self.file()->bytes.size() / 16)) return Value::Abort();
  if (!ReadZip(self.file()->bytes, room, entries, error)) {
    return in.Fail(Msg::kBadArgument,
                   {"extract", "'" + self.file()->name + "' cannot be extracted: " + error});
  }
  Value list = in.heap().NewList();
  for (ZipEntry& e : entries) {
    std::string base = e.name.substr(e.name.rfind('/') + 1);
    std::string ext = ToLower(base.substr(base.rfind('.') == std::string::npos ? base.size()
                                                                               : base.rfind('.')));
    std::string type = ext == ".txt" || ext == ".csv" ? "text/plain"
                       : ext == ".json"              ? "application/json"
                       : ext == ".pdf"               ? "application/pdf"
                                                     : "application/octet-stream";
    if (!in.ListAdd(list.list(), NewFile(std::move(e.name), type, std::move(e.bytes)))) {
      return Value::Abort();
    }
  }
  return list;
}

// ---- no receiver ----

// ifnull(value, fallback): the fallback when the value is null (or empty text, as isNull).
FN(IfNull) {
  if (args[0].is_null() || (args[0].is_text() && args[0].text().empty())) return args[1];
  return args[0];
}

// randomNumber(start, end): start <= n < end; a decimal when either bound is one.
FN(RandomNumber) {
  Value lo;
  Value hi;
  if (!ToNumberValue(args[0], lo) || !ToNumberValue(args[1], hi)) {
    return in.Fail(Msg::kCastError,
                   {TypeName(args[0].is_number() ? args[1].type() : args[0].type()), "NUMBER",
                    "randomNumber"});
  }
  uint64_t r = in.host().random().Next64();
  if (lo.is_int() && hi.is_int()) {
    int64_t a = lo.AsInt();
    int64_t b = hi.AsInt();
    if (b <= a) return in.Fail(Msg::kBadArgument, {"randomNumber", "end must be above start"});
    uint64_t span = static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
    return Value::Int(static_cast<int64_t>(static_cast<uint64_t>(a) + r % span));
  }
  double a = lo.AsDouble();
  double b = hi.AsDouble();
  if (!(b > a)) return in.Fail(Msg::kBadArgument, {"randomNumber", "end must be above start"});
  double unit = static_cast<double>(r >> 11) / 9007199254740992.0;  // [0, 1)
  return Value::Decimal(a + (b - a) * unit);
}

#undef FN

constexpr Builtin kCommon[] = {
    {"isNull", 0, 0, IsNull, "common"},       {"isEmpty", 0, 0, IsEmpty, "common"},
    {"toString", 0, 1, ToStringFn, "common"}, {"toText", 0, 1, ToStringFn, "common"},
    {"equals", 1, 1, Equals, "common"},       {"isNumber", 0, 0, IsNumber, "common"},
    {"isDecimal", 0, 0, IsDecimal, "common"}, {"isText", 0, 0, IsText, "common"},
    {"isFile", 0, 0, IsFile, "common"},       {"isDate", 0, 0, IsDate, "common"},
    {"isList", 0, 0, IsList, "common"},       {"isMap", 0, 0, IsMap, "common"},
};

constexpr Builtin kFile[] = {
    {"getFileName", 0, 0, FileName, "file"},       {"getFileSize", 0, 0, FileSize, "file"},
    {"getFileContent", 0, 0, FileContent, "file"}, {"getFileType", 0, 0, FileType, "file"},
    {"setFileName", 1, 1, SetFileName, "file"},
    {"setParamName", 1, 1, SetParamName, "file"},
    {"extract", 0, 0, Extract, "file"},
};

constexpr Builtin kArchive[] = {
    {"compress", 0, 1, Compress, "file"},
};

constexpr Builtin kGlobal[] = {
    {"ifnull", 2, 2, IfNull, "common"},
    {"randomNumber", 2, 2, RandomNumber, "number"},
};

}  // namespace

std::span<const Builtin> CommonMethods() { return kCommon; }
std::span<const Builtin> FileMethods() { return kFile; }
std::span<const Builtin> ArchiveMethods() { return kArchive; }
std::span<const Builtin> GlobalFunctions() { return kGlobal; }

}  // namespace relish::deluge
