// Text functions: reference §3.1, docs/language/builtins.md#text. Positions and lengths count
// characters (code points), not bytes. A function that reads its whole text counts it towards
// the run's clock (Interp::Scan): a loop of calls on a 60 MB text must not outrun the time limit.
#include <cmath>

#include "deluge/builtins.h"
#include "deluge/datetime.h"
#include "deluge/format.h"
#include "deluge/interpreter.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

#define FN(name)                                                              \
  Value name([[maybe_unused]] Interp& in, [[maybe_unused]] const Value& self, \
             [[maybe_unused]] const Value* args, [[maybe_unused]] int argc)

// Character view of a text value, with a byte-indexed fast path for ASCII.
struct Chars {
  std::string_view s;
  bool ascii;
  explicit Chars(const Value& v) : s(v.text()), ascii(v.str()->IsAscii()) {}
  size_t Len() const { return ascii ? s.size() : Utf8Length(s); }
  size_t Off(size_t i) const { return ascii ? (i < s.size() ? i : s.size()) : Utf8Offset(s, i); }
  int64_t CharIndex(size_t byte) const {
    return static_cast<int64_t>(ascii ? byte : Utf8Length(s.substr(0, byte)));
  }
};

bool Str(Interp& in, const Value* args, int i, std::string_view fn, std::string& out) {
  return ArgText(in, args[i], fn, out);
}

Value Bool(bool b) { return Value::Bool(b); }

FN(Contains) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "contains", s)) return Value::Abort();
  return Bool(FindText(self.text(), s) != std::string_view::npos);
}
FN(NotContains) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "notContains", s)) return Value::Abort();
  return Bool(FindText(self.text(), s) == std::string_view::npos);
}
FN(ContainsIgnoreCase) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "containsIgnoreCase", s)) return Value::Abort();
  return Bool(FindIgnoreCase(self.text(), s) != std::string_view::npos);
}

FN(StartsWith) {
  std::string s;
  if (!Str(in, args, 0, "startsWith", s)) return Value::Abort();
  return Bool(self.text().substr(0, s.size()) == s);
}
FN(EndsWith) {
  std::string s;
  if (!Str(in, args, 0, "endsWith", s)) return Value::Abort();
  std::string_view t = self.text();
  return Bool(t.size() >= s.size() && t.substr(t.size() - s.size()) == s);
}
FN(StartsWithIgnoreCase) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "startsWithIgnoreCase", s)) return Value::Abort();
  return Bool(ToLower(self.text()).rfind(ToLower(s), 0) == 0);
}
FN(EndsWithIgnoreCase) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "endsWithIgnoreCase", s)) return Value::Abort();
  std::string t = ToLower(self.text());
  std::string n = ToLower(s);
  return Bool(t.size() >= n.size() && t.compare(t.size() - n.size(), n.size(), n) == 0);
}
FN(EqualsIgnoreCaseFn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  if (!args[0].is_text()) return Bool(false);
  return Bool(EqualsIgnoreCase(self.text(), args[0].text()));
}

Value Filter(Interp& in, const Value& self, bool (*keep)(char)) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string out;
  for (char c : self.text()) {
    if (keep(c)) out += c;
  }
  return in.MakeText(out);
}
FN(GetAlpha) { return Filter(in, self, IsAsciiAlpha); }
FN(GetAlphaNumeric) { return Filter(in, self, IsAsciiAlnum); }
FN(RemoveAllAlpha) {
  return Filter(in, self, [](char c) { return !IsAsciiAlpha(c); });
}
FN(RemoveAllAlphaNumeric) {
  return Filter(in, self, [](char c) { return !IsAsciiAlnum(c); });
}

FN(OccurenceCount) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "getOccurenceCount", s)) return Value::Abort();
  if (s.empty()) return Value::Int(0);
  int64_t n = 0;
  std::string_view t = self.text();
  for (size_t p = FindText(t, s); p != std::string_view::npos; p = FindText(t, s, p + s.size())) {
    ++n;
  }
  return Value::Int(n);
}

// getPrefix / getSuffix (and IgnoreCase): text before / after the first occurrence; empty text
// when the search text is absent (docs/language/decisions.md).
Value Affix(Interp& in, const Value& self, const Value* args, bool suffix, bool ignore_case,
            std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!ArgText(in, args[0], fn, s)) return Value::Abort();
  std::string_view t = self.text();
  size_t p = ignore_case ? FindIgnoreCase(t, s) : FindText(t, s);
  if (p == std::string_view::npos) return Value::Text("");
  return in.MakeText(suffix ? t.substr(p + s.size()) : t.substr(0, p));
}
FN(GetPrefix) { return Affix(in, self, args, false, false, "getPrefix"); }
FN(GetPrefixIC) { return Affix(in, self, args, false, true, "getPrefixIgnoreCase"); }
FN(GetSuffix) { return Affix(in, self, args, true, false, "getSuffix"); }
FN(GetSuffixIC) { return Affix(in, self, args, true, true, "getSuffixIgnoreCase"); }

FN(Concat) {
  std::string out(self.text());
  if (!in.Display(args[0], out)) return Value::Abort();
  return in.MakeText(out);
}

FN(IndexOf) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "indexOf", s)) return Value::Abort();
  Chars c(self);
  size_t from = 0;
  if (argc > 1) {
    int64_t start = 0;
    if (!ArgInt(in, args[1], "indexOf", start)) return Value::Abort();
    from = start < 0 ? 0 : c.Off(static_cast<size_t>(start));
  }
  size_t p = FindText(c.s, s, from);
  return Value::Int(p == std::string_view::npos ? -1 : c.CharIndex(p));
}
FN(LastIndexOf) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "lastIndexOf", s)) return Value::Abort();
  Chars c(self);
  size_t p = RFindText(c.s, s);
  return Value::Int(p == std::string_view::npos ? -1 : c.CharIndex(p));
}

FN(ToList) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string sep = ",";
  if (argc > 0 && !Str(in, args, 0, "toList", sep)) return Value::Abort();
  Value list = in.heap().NewList();
  auto& items = list.list()->items;
  std::string_view t = self.text();
  if (t.empty()) return list;
  // Every part is a new text: check the count and the memory before making any.
  if (sep.empty()) {  // every character
    size_t chars = Utf8Length(t);
    if (!in.CheckElements(chars) || !in.CheckMemory(chars * sizeof(struct Str) + t.size())) {
      return Value::Abort();
    }
    items.reserve(chars);
    size_t i = 0;
    while (i < t.size()) {
      size_t start = i;
      DecodeUtf8(t, i);
      items.push_back(Value::Text(t.substr(start, i - start)));
    }
    return list;
  }
  size_t parts = 1;
  for (size_t p = FindText(t, sep); p != std::string_view::npos;
       p = FindText(t, sep, p + sep.size())) {
    ++parts;
  }
  if (!in.CheckElements(parts) || !in.CheckMemory(parts * sizeof(struct Str) + t.size())) {
    return Value::Abort();
  }
  items.reserve(parts);
  size_t start = 0;
  for (;;) {
    size_t p = FindText(t, sep, start);
    items.push_back(Value::Text(t.substr(start, p == std::string_view::npos ? p : p - start)));
    if (p == std::string_view::npos) break;
    start = p + sep.size();
  }
  return list;
}

FN(ToMap) {
  Value v = in.ParseJsonValue(self.text());
  if (v.is_abort()) return v;
  if (!v.is_map()) return in.Fail(Msg::kJsonNotObject);
  return v;
}

FN(ToJsonList) {
  Value v = in.ParseJsonValue(self.text());
  if (v.is_abort()) return v;
  if (!v.is_list()) return in.Fail(Msg::kJsonNotArray);
  return v;
}

FN(ToListString) {
  Value v = ToJsonList(in, self, args, argc);
  if (v.is_abort()) return v;
  for (Value& item : v.list()->items) {
    if (item.is_text()) continue;
    std::string s;
    if (!in.Display(item, s)) return Value::Abort();
    item = Value::Text(s);
  }
  return v;
}

FN(ToLowerFn) { return in.MakeText(ToLower(self.text())); }
FN(ToUpperFn) { return in.MakeText(ToUpper(self.text())); }

FN(Left) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  int64_t n = 0;
  if (!ArgInt(in, args[0], "left", n)) return Value::Abort();
  Chars c(self);
  if (n <= 0) return Value::Text("");
  return in.MakeText(c.s.substr(0, c.Off(static_cast<size_t>(n))));
}
FN(Right) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  int64_t n = 0;
  if (!ArgInt(in, args[0], "right", n)) return Value::Abort();
  Chars c(self);
  size_t len = c.Len();
  if (n <= 0) return Value::Text("");
  if (static_cast<size_t>(n) >= len) return self;
  return in.MakeText(c.s.substr(c.Off(len - static_cast<size_t>(n))));
}

Value Pad(Interp& in, const Value& self, const Value* args, int argc, bool left,
          std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  int64_t n = 0;
  if (!ArgInt(in, args[0], fn, n)) return Value::Abort();
  std::string pad = " ";
  if (argc > 1 && !ArgText(in, args[1], fn, pad)) return Value::Abort();
  if (pad.empty()) pad = " ";
  Chars c(self);
  size_t len = c.Len();
  if (n <= 0 || static_cast<size_t>(n) <= len) return self;
  size_t missing = static_cast<size_t>(n) - len;
  // Checked before anything is built (and without overflow: n may be any whole number).
  if (missing > in.limits().max_text_bytes / pad.size()) {
    in.CheckText(SIZE_MAX);  // fails: names the text limit
    return Value::Abort();
  }
  if (!in.CheckText(c.s.size() + missing * pad.size())) return Value::Abort();
  std::string fill;
  fill.reserve(missing * pad.size());
  for (size_t i = 0; i < missing; ++i) fill += pad;
  return in.MakeText(left ? fill + std::string(c.s) : std::string(c.s) + fill);
}
FN(LeftPad) { return Pad(in, self, args, argc, true, "leftPad"); }
FN(RightPad) { return Pad(in, self, args, argc, false, "rightPad"); }

FN(Len) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  return Value::Int(static_cast<int64_t>(Chars(self).Len()));
}
FN(IsAscii) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  return Bool(self.str()->IsAscii());
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
Value TrimImpl(Interp& in, const Value& self, bool left, bool right) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string_view t = self.text();
  size_t b = 0;
  size_t e = t.size();
  if (left) {
    while (b < e && IsSpace(t[b])) ++b;
  }
  if (right) {
    while (e > b && IsSpace(t[e - 1])) --e;
  }
  if (b == 0 && e == t.size()) return self;
  return in.MakeText(t.substr(b, e - b));
}
FN(Trim) { return TrimImpl(in, self, true, true); }
FN(LTrim) { return TrimImpl(in, self, true, false); }
FN(RTrim) { return TrimImpl(in, self, false, true); }

FN(Matches) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string pattern;
  if (!Str(in, args, 0, "matches", pattern)) return Value::Abort();
  const Regex* re = in.GetRegex(pattern, false);
  if (re == nullptr) return Value::Abort();
  bool matched = false;
  if (re->FullMatch(self.text(), matched) != RegexStatus::kOk) {
    return in.FailFatal(Msg::kLimitRegex, {QuotePattern(pattern), FormatInt(kMatchLimit)});
  }
  return Bool(matched);
}

// subString(start[, end]), subText, mid: end exclusive; 0 <= start <= end <= length.
Value Sub(Interp& in, const Value& self, const Value* args, int argc, std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  Chars c(self);
  int64_t len = static_cast<int64_t>(c.Len());
  int64_t start = 0;
  int64_t end = len;
  if (!ArgInt(in, args[0], fn, start)) return Value::Abort();
  if (argc > 1 && !ArgInt(in, args[1], fn, end)) return Value::Abort();
  if (start < 0 || end > len || start > end) {
    return in.Fail(Msg::kSubTextRange, {FormatInt(start), FormatInt(end), FormatInt(len)});
  }
  size_t b = c.Off(static_cast<size_t>(start));
  size_t e = c.Off(static_cast<size_t>(end));
  return in.MakeText(c.s.substr(b, e - b));
}
FN(SubString) { return Sub(in, self, args, argc, "subString"); }
FN(SubText) { return Sub(in, self, args, argc, "subText"); }
FN(Mid) { return Sub(in, self, args, argc, "mid"); }

FN(Proper) {
  std::string out;
  std::string_view t = self.text();
  bool start = true;
  size_t i = 0;
  while (i < t.size()) {
    char32_t cp = DecodeUtf8(t, i);
    bool letter = cp >= 0x80 || IsAsciiAlnum(static_cast<char>(cp)) || cp == '\'';
    EncodeUtf8(letter ? (start ? ToUpperChar(cp) : ToLowerChar(cp)) : cp, out);
    start = !letter;
  }
  return in.MakeText(out);
}

FN(Repeat) {
  int64_t n = 0;
  if (!ArgInt(in, args[0], "repeat", n)) return Value::Abort();
  std::string_view t = self.text();
  if (n <= 0 || t.empty()) return Value::Text("");  // "".repeat(2^62) once looped 2^62 times
  // Checked before anything is built, and without overflow: t.size() * n wrapped around for a
  // large n and let the loop append until memory ran out.
  if (static_cast<uint64_t>(n) > in.limits().max_text_bytes / t.size()) {
    in.CheckText(SIZE_MAX);  // fails: names the text limit
    return Value::Abort();
  }
  size_t total = t.size() * static_cast<size_t>(n);
  if (!in.CheckText(total)) return Value::Abort();
  // Doubling copies: log(n) appends instead of n.
  std::string out;
  out.reserve(total);
  out.append(t);
  while (out.size() * 2 <= total) out.append(out.data(), out.size());
  out.append(out.data(), total - out.size());
  return in.MakeText(out);
}

FN(Remove) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!Str(in, args, 0, "remove", s)) return Value::Abort();
  if (s.empty()) return self;
  std::string out;
  std::string_view t = self.text();
  size_t start = 0;
  for (size_t p = FindText(t, s); p != std::string_view::npos; p = FindText(t, s, start)) {
    out += t.substr(start, p - start);
    start = p + s.size();
  }
  out += t.substr(start);
  return in.MakeText(out);
}
Value RemoveOne(Interp& in, const Value& self, const Value* args, bool last, std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string s;
  if (!ArgText(in, args[0], fn, s)) return Value::Abort();
  std::string_view t = self.text();
  size_t p = last ? RFindText(t, s) : FindText(t, s);
  if (s.empty() || p == std::string_view::npos) return self;
  std::string out(t.substr(0, p));
  out += t.substr(p + s.size());
  return in.MakeText(out);
}
FN(RemoveFirst) { return RemoveOne(in, self, args, false, "removeFirstOccurence"); }
FN(RemoveLast) { return RemoveOne(in, self, args, true, "removeLastOccurence"); }

Value ReplaceImpl(Interp& in, const Value& self, const Value* args, bool all, bool ignore_case,
                  std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::string pattern;
  std::string repl;
  if (!ArgText(in, args[0], fn, pattern)) return Value::Abort();
  if (!args[1].is_null() && !ArgText(in, args[1], fn, repl)) return Value::Abort();
  std::string out;
  bool plain_pattern = !ignore_case && !pattern.empty() &&
                       pattern.find_first_of("\\^$.|?*+()[]{}") == std::string::npos;
  bool plain_repl = repl.find_first_of("\\$") == std::string::npos;
  // Each match may grow the result (a one-byte pattern replaced by 150 bytes): the size it would
  // reach is checked before each append, so it never outgrows the text limit or the memory.
  size_t room = in.TextRoom();
  if (plain_pattern && plain_repl) {
    // A pattern without metacharacters matches itself: skip the regex engine.
    std::string_view t = self.text();
    size_t start = 0;
    for (size_t p = FindText(t, pattern); p != std::string_view::npos;
         p = FindText(t, pattern, start)) {
      if (out.size() + (p - start) + repl.size() > room) {
        in.CheckText(out.size() + (p - start) + repl.size());
        return Value::Abort();
      }
      out.append(t.substr(start, p - start));
      out += repl;
      start = p + pattern.size();
      if (!all) break;
    }
    if (!in.CheckText(out.size() + (t.size() - start))) return Value::Abort();
    out.append(t.substr(start));
    return in.MakeText(out);
  }
  const Regex* re = in.GetRegex(pattern, ignore_case);
  if (re == nullptr) return Value::Abort();
  std::string error;
  switch (re->Replace(self.text(), repl, all, [&in] { return in.CheckWallTime(); }, room, out,
                      error)) {
    case RegexStatus::kOk:
      return in.MakeText(out);
    case RegexStatus::kTooComplex:
      return in.FailFatal(Msg::kLimitRegex, {QuotePattern(pattern), FormatInt(kMatchLimit)});
    case RegexStatus::kStopped:
      return Value::Abort();  // CheckWallTime failed the run
    case RegexStatus::kTooLong:
      in.CheckText(room + 1);  // fails: room was all there was
      return Value::Abort();
    case RegexStatus::kBadReplacement:
      break;
  }
  return in.Fail(Msg::kBadRegex, {repl, error});
}
FN(ReplaceAll) { return ReplaceImpl(in, self, args, true, false, "replaceAll"); }
FN(ReplaceAllIC) { return ReplaceImpl(in, self, args, true, true, "replaceAllIgnoreCase"); }
FN(ReplaceFirst) { return ReplaceImpl(in, self, args, false, false, "replaceFirst"); }
FN(ReplaceFirstIC) { return ReplaceImpl(in, self, args, false, true, "replaceFirstIgnoreCase"); }

FN(Reverse) {
  std::string_view t = self.text();
  std::string out;
  out.reserve(t.size());
  size_t end = t.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(t[start]) & 0xC0) == 0x80) --start;
    out += t.substr(start, end - start);
    end = start;
  }
  return in.MakeText(out);
}

FN(ToNumber) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  Value n;
  if (!ParseNumberText(self.text(), n)) return in.Fail(Msg::kNotANumber, {self.text()});
  if (n.is_int()) return n;
  if (std::fabs(n.AsDecimal()) >= 9.2e18) return in.Fail(Msg::kNotANumber, {self.text()});
  return Value::Int(static_cast<int64_t>(n.AsDecimal()));
}
FN(ToDecimal) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  Value n;
  if (!ParseNumberText(self.text(), n)) return in.Fail(Msg::kNotANumber, {self.text()});
  return Value::Decimal(n.AsDouble());
}

// toDate([pattern]), toDateTime([pattern]), toTime([pattern[, timeZone]]).
Value ParseDate(Interp& in, const Value& self, const Value* args, int argc, bool date_only,
                std::string_view fn) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  std::optional<ParsedDate> d;
  std::string pattern;
  if (argc > 0 && !ArgText(in, args[0], fn, pattern)) return Value::Abort();
  if (pattern.empty()) {
    d = ParseDateText(self.text(), in.zone());
  } else {
    d = ParseWithPattern(self.text(), pattern, in.zone());
  }
  if (!d) {
    if (pattern.empty()) return in.Fail(Msg::kNotADate, {self.text()});
    return in.Fail(Msg::kBadDateFormat, {self.text(), pattern});
  }
  int64_t ms = d->local_ms;
  if (argc > 1) {
    std::string tz;
    if (!ArgText(in, args[1], fn, tz)) return Value::Abort();
    // The text is a wall-clock time in `tz`: convert it to the run's zone.
    if (auto zone = Zone::Find(tz)) ms = in.zone().LocalFromUtc(zone->UtcFromLocal(ms));
  }
  if (date_only) return Value::Date(ms - ((ms % kMillisPerDay) + kMillisPerDay) % kMillisPerDay);
  return Value::DateTime(ms);
}
FN(ToDate) { return ParseDate(in, self, args, argc, true, "toDate"); }
// unixEpoch([timeZone]) on date text, the form Zoho documents: epoch milliseconds of the text read
// as a wall-clock time in the zone (the run's; an unknown zone is GMT); text that is no date is
// returned as it is (Zoho's unixEpoch page).
FN(TextUnixEpoch) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  auto d = ParseDateText(self.text(), in.zone());
  if (!d) return self;
  if (argc > 0) {
    std::string tz;
    if (!ArgText(in, args[0], "unixEpoch", tz)) return Value::Abort();
    return Value::Int(Zone::Find(tz).value_or(Zone::Utc()).UtcFromLocal(d->local_ms));
  }
  return Value::Int(in.zone().UtcFromLocal(d->local_ms));
}

// getDate() on date text (Zoho: text or date-time outside Creator): "17th January 2018".
FN(TextGetDate) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  auto d = ParseDateText(self.text(), in.zone());
  if (!d) return in.Fail(Msg::kNotADate, {self.text()});
  return Value::Text(SpokenDate(d->local_ms));
}
FN(ToDateTime) { return ParseDate(in, self, args, argc, false, "toDateTime"); }

// toString([pattern]) on text: the text itself; with a date pattern, date-like text (as CRM date
// fields arrive) is formatted as a date (docs/language/decisions.md).
FN(TextToString) {
  if (!in.Scan(self.text().size())) return Value::Abort();
  if (argc == 0 || args[0].is_null()) return self;
  auto d = ParseDateText(self.text(), in.zone());
  if (!d) return self;
  std::string pattern;
  if (!ArgText(in, args[0], "toString", pattern)) return Value::Abort();
  return in.MakeText(FormatPattern(d->local_ms, pattern, in.zone()));
}

FN(ToFile) {
  std::string name;
  if (!ArgText(in, args[0], "toFile", name)) return Value::Abort();
  if (!in.CheckMemory(self.text().size() + name.size())) return Value::Abort();
  return NewFile(name, "text/plain", std::string(self.text()));
}

FN(GetJson) {
  Value v = in.ParseJsonValue(self.text());
  if (v.is_abort()) return v;
  if (!v.is_map()) return in.Fail(Msg::kJsonNotObject);
  Value key = in.KeyOf(args[0]);
  if (key.is_abort()) return key;
  Value* found = v.map()->map.Find(key.str());
  return found ? *found : Value();
}

FN(TextToHex) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (!in.CheckText(self.text().size() * 2)) return Value::Abort();
  std::string out;
  out.reserve(self.text().size() * 2);
  for (unsigned char c : self.text()) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return in.MakeText(out);
}
FN(HexToText) {
  std::string_view t = self.text();
  if (t.size() % 2 != 0) return in.Fail(Msg::kBadHex);
  std::string out;
  for (size_t i = 0; i < t.size(); i += 2) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    int hi = hex(t[i]);
    int lo = hex(t[i + 1]);
    if (hi < 0 || lo < 0) return in.Fail(Msg::kBadHex);
    out += static_cast<char>(hi * 16 + lo);
  }
  return in.MakeText(out);
}

#undef FN

constexpr Builtin kText[] = {
    {"contains", 1, 1, Contains, "text"},
    {"notContains", 1, 1, NotContains, "text"},
    {"containsIgnoreCase", 1, 1, ContainsIgnoreCase, "text"},
    {"startsWith", 1, 1, StartsWith, "text"},
    {"startsWithIgnoreCase", 1, 1, StartsWithIgnoreCase, "text"},
    {"endsWith", 1, 1, EndsWith, "text"},
    {"endsWithIgnoreCase", 1, 1, EndsWithIgnoreCase, "text"},
    {"equalsIgnoreCase", 1, 1, EqualsIgnoreCaseFn, "text"},
    {"getAlpha", 0, 0, GetAlpha, "text"},
    {"getAlphaNumeric", 0, 0, GetAlphaNumeric, "text"},
    {"removeAllAlpha", 0, 0, RemoveAllAlpha, "text"},
    {"removeAllAlphaNumeric", 0, 0, RemoveAllAlphaNumeric, "text"},
    {"getOccurenceCount", 1, 1, OccurenceCount, "text"},
    {"getOccurence", 1, 1, OccurenceCount, "text"},
    {"getPrefix", 1, 1, GetPrefix, "text"},
    {"getPrefixIgnoreCase", 1, 1, GetPrefixIC, "text"},
    {"getSuffix", 1, 1, GetSuffix, "text"},
    {"getSuffixIgnoreCase", 1, 1, GetSuffixIC, "text"},
    {"concat", 1, 1, Concat, "text"},
    {"indexOf", 1, 2, IndexOf, "text"},
    {"find", 1, 2, IndexOf, "text"},
    {"lastIndexOf", 1, 1, LastIndexOf, "text"},
    {"toList", 0, 1, ToList, "text"},
    {"toMap", 0, 0, ToMap, "text"},
    {"toJSONList", 0, 0, ToJsonList, "text"},
    {"toListString", 0, 0, ToListString, "text"},
    {"toLowerCase", 0, 0, ToLowerFn, "text"},
    {"toUpperCase", 0, 0, ToUpperFn, "text"},
    {"left", 1, 1, Left, "text"},
    {"right", 1, 1, Right, "text"},
    {"leftPad", 1, 2, LeftPad, "text"},
    {"rightPad", 1, 2, RightPad, "text"},
    {"len", 0, 0, Len, "text"},
    {"length", 0, 0, Len, "text"},
    {"isAscii", 0, 0, IsAscii, "text"},
    {"trim", 0, 0, Trim, "text"},
    {"ltrim", 0, 0, LTrim, "text"},
    {"rtrim", 0, 0, RTrim, "text"},
    {"matches", 1, 1, Matches, "text"},
    {"subString", 1, 2, SubString, "text"},
    {"subText", 1, 2, SubText, "text"},
    {"mid", 1, 2, Mid, "text"},
    {"proper", 0, 0, Proper, "text"},
    {"repeat", 1, 1, Repeat, "text"},
    {"remove", 1, 1, Remove, "text"},
    {"removeFirstOccurence", 1, 1, RemoveFirst, "text"},
    {"removeLastOccurence", 1, 1, RemoveLast, "text"},
    {"replaceAll", 2, 2, ReplaceAll, "text"},
    {"replaceAllIgnoreCase", 2, 2, ReplaceAllIC, "text"},
    {"replaceFirst", 2, 2, ReplaceFirst, "text"},
    {"replaceFirstIgnoreCase", 2, 2, ReplaceFirstIC, "text"},
    {"reverse", 0, 0, Reverse, "text"},
    {"toNumber", 0, 0, ToNumber, "text"},
    {"toLong", 0, 0, ToNumber, "text"},
    {"toDecimal", 0, 0, ToDecimal, "text"},
    {"toDate", 0, 1, ToDate, "text"},
    {"getDate", 0, 0, TextGetDate, "datetime"},       // issue 17
    {"unixEpoch", 0, 1, TextUnixEpoch, "datetime"},  // issue 17
    {"toDateTime", 0, 2, ToDateTime, "text"},
    {"toTime", 0, 2, ToDateTime, "text"},
    {"textToHex", 0, 0, TextToHex, "text"},
    {"toFile", 1, 1, ToFile, "text"},
    {"toString", 0, 1, TextToString, "text"},
    {"toText", 0, 1, TextToString, "text"},
    {"getJSON", 1, 1, GetJson, "text"},
    {"hexToText", 0, 0, HexToText, "text"},
};

}  // namespace

std::span<const Builtin> TextMethods() { return kText; }

}  // namespace relish::deluge
