#include "deluge/datetime.h"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <cctype>
#include <cstdio>

namespace relish::deluge {
namespace {

constexpr std::array<std::string_view, 12> kMonthShort = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 12> kMonthLong = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<std::string_view, 7> kDayShort = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kDayLong = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

void Pad(std::string& out, int64_t value, int width) {
  char buf[32];
  if (value < 0) {
    out += '-';
    value = -value;
  }
  int n = std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(value));
  out.append(buf, static_cast<size_t>(n));
}

const date::time_zone* Tz(const void* p) { return static_cast<const date::time_zone*>(p); }

// A cursor over text for the parsers.
struct Scanner {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i >= s.size(); }
  char Peek() const { return i < s.size() ? s[i] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i;
    return true;
  }
  // Reads 1..max digits; false when none.
  bool Digits(int max, int& out) {
    size_t start = i;
    int64_t v = 0;
    while (i < s.size() && i - start < static_cast<size_t>(max) &&
           std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return false;
    out = static_cast<int>(v);
    return true;
  }
  bool Month(int& out) {
    for (int m = 0; m < 12; ++m) {
      for (std::string_view name : {kMonthLong[m], kMonthShort[m]}) {
        if (i + name.size() <= s.size() && EqualsIgnoreCase(s.substr(i, name.size()), name)) {
          i += name.size();
          out = m + 1;
          return true;
        }
      }
    }
    return false;
  }
  bool DayName() {
    for (int d = 0; d < 7; ++d) {
      for (std::string_view name : {kDayLong[d], kDayShort[d]}) {
        if (i + name.size() <= s.size() && EqualsIgnoreCase(s.substr(i, name.size()), name)) {
          i += name.size();
          return true;
        }
      }
    }
    return false;
  }
  void Spaces() {
    while (Peek() == ' ') ++i;
  }
};

bool Valid(const Civil& c) {
  return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= DaysInMonth(c.year, c.month) &&
         c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59 && c.second >= 0 &&
         c.second <= 59 && c.year >= 1 && c.year <= 9999;
}

// "HH:mm[:ss[.SSS]][ AM|PM]" after a date; returns false on malformed time.
bool ParseTime(Scanner& sc, Civil& c) {
  if (!sc.Digits(2, c.hour) || !sc.Eat(':') || !sc.Digits(2, c.minute)) return false;
  if (sc.Eat(':')) {
    if (!sc.Digits(2, c.second)) return false;
    if (sc.Eat('.')) {
      size_t start = sc.i;
      int frac = 0;
      if (!sc.Digits(9, frac)) return false;
      size_t n = sc.i - start;
      while (n > 3) {
        frac /= 10;
        --n;
      }
      while (n < 3) {
        frac *= 10;
        ++n;
      }
      c.millis = frac;
    }
  }
  size_t save = sc.i;
  sc.Spaces();
  if (sc.i + 2 <= sc.s.size()) {
    std::string_view ampm = sc.s.substr(sc.i, 2);
    if (EqualsIgnoreCase(ampm, "AM") || EqualsIgnoreCase(ampm, "PM")) {
      if (c.hour < 1 || c.hour > 12) return false;
      bool pm = EqualsIgnoreCase(ampm, "PM");
      c.hour = c.hour % 12 + (pm ? 12 : 0);
      sc.i += 2;
      return true;
    }
  }
  sc.i = save;
  return true;
}

// Optional "Z", "+05:30", "+0530" or "+05"; offset in minutes.
bool ParseOffset(Scanner& sc, std::optional<int>& offset) {
  if (sc.Eat('Z') || sc.Eat('z')) {
    offset = 0;
    return true;
  }
  char sign = sc.Peek();
  if (sign != '+' && sign != '-') return true;
  ++sc.i;
  int h = 0;
  int m = 0;
  if (!sc.Digits(2, h)) return false;
  sc.Eat(':');
  sc.Digits(2, m);
  offset = (h * 60 + m) * (sign == '-' ? -1 : 1);
  return true;
}

}  // namespace

int64_t DaysFromCivil(int year, int month, int day) {
  auto ymd = date::year{year} / date::month{static_cast<unsigned>(month)} /
             date::day{static_cast<unsigned>(day)};
  return date::sys_days(ymd).time_since_epoch().count();
}

int DaysInMonth(int year, int month) {
  auto last = date::year_month_day_last(
      date::year{year}, date::month_day_last(date::month{static_cast<unsigned>(month)}));
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

Civil ToCivil(int64_t local_ms) {
  int64_t days = FloorDiv(local_ms, kMillisPerDay);
  int64_t rest = local_ms - days * kMillisPerDay;
  date::year_month_day ymd{date::sys_days{date::days{days}}};
  Civil c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  c.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  c.hour = static_cast<int>(rest / 3'600'000);
  c.minute = static_cast<int>(rest / 60'000 % 60);
  c.second = static_cast<int>(rest / 1000 % 60);
  c.millis = static_cast<int>(rest % 1000);
  return c;
}

int64_t FromCivil(const Civil& c) {
  return DaysFromCivil(c.year, c.month, c.day) * kMillisPerDay + c.hour * 3'600'000LL +
         c.minute * 60'000LL + c.second * 1000LL + c.millis;
}

int Weekday(int64_t local_ms) {
  int64_t days = FloorDiv(local_ms, kMillisPerDay);
  // 1970-01-01 was a Thursday (5 in Deluge's numbering).
  int64_t w = (days + 4) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

int DayOfYear(int64_t local_ms) {
  Civil c = ToCivil(local_ms);
  return static_cast<int>(DaysFromCivil(c.year, c.month, c.day) - DaysFromCivil(c.year, 1, 1)) + 1;
}

int64_t AddMonths(int64_t local_ms, int64_t months) {
  Civil c = ToCivil(local_ms);
  int64_t total = int64_t{c.year} * 12 + (c.month - 1) + months;
  int64_t year = FloorDiv(total, 12);
  if (year < 1) year = 1;
  if (year > 9999) year = 9999;
  c.year = static_cast<int>(year);
  c.month = static_cast<int>(total - FloorDiv(total, 12) * 12) + 1;
  int dim = DaysInMonth(c.year, c.month);
  if (c.day > dim) c.day = dim;
  return FromCivil(c);
}

// ---- Zone ----

std::optional<Zone> Zone::Find(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "GMT") return Zone(nullptr);
  try {
    return Zone(date::locate_zone(std::string(name)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string_view Zone::name() const { return tz_ ? std::string_view(Tz(tz_)->name()) : "UTC"; }

int64_t Zone::OffsetAt(int64_t utc_ms) const {
  if (tz_ == nullptr) return 0;
  auto info = Tz(tz_)->get_info(
      date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(utc_ms)));
  return std::chrono::duration_cast<std::chrono::milliseconds>(info.offset).count();
}

std::string Zone::AbbreviationAt(int64_t utc_ms) const {
  if (tz_ == nullptr) return "UTC";
  return Tz(tz_)
      ->get_info(date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(utc_ms)))
      .abbrev;
}

int64_t Zone::LocalFromUtc(int64_t utc_ms) const { return utc_ms + OffsetAt(utc_ms); }

int64_t Zone::UtcFromLocal(int64_t local_ms) const {
  if (tz_ == nullptr) return local_ms;
  // Two rounds settle the offset, including across a DST change.
  int64_t guess = local_ms - OffsetAt(local_ms);
  return local_ms - OffsetAt(guess);
}

// ---- formatting ----

std::string FormatDefault(int64_t local_ms, bool with_time) {
  Civil c = ToCivil(local_ms);
  std::string out;
  out.reserve(20);
  Pad(out, c.day, 2);
  out += '-';
  out += kMonthShort[c.month - 1];
  out += '-';
  Pad(out, c.year, 4);
  if (with_time) {
    out += ' ';
    Pad(out, c.hour, 2);
    out += ':';
    Pad(out, c.minute, 2);
    out += ':';
    Pad(out, c.second, 2);
  }
  return out;
}

std::string FormatPattern(int64_t local_ms, std::string_view pattern, const Zone& zone) {
  Civil c = ToCivil(local_ms);
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    char ch = pattern[i];
    if (ch == '\'') {
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '\'') {
        out += '\'';
        i += 2;
        continue;
      }
      while (j < pattern.size()) {
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            out += '\'';
            j += 2;
            continue;
          }
          break;
        }
        out += pattern[j++];
      }
      i = j + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(ch))) {
      out += ch;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == ch) ++n;
    i += n;
    int w = static_cast<int>(n);
    switch (ch) {
      case 'y':
      case 'Y':
      case 'u':
        if (ch == 'u') {
          Pad(out, Weekday(local_ms) == 1 ? 7 : Weekday(local_ms) - 1, w);
        } else if (n == 2) {
          Pad(out, c.year % 100, 2);
        } else {
          Pad(out, c.year, w);
        }
        break;
      case 'M':
      case 'L':
        if (n >= 4) {
          out += kMonthLong[c.month - 1];
        } else if (n == 3) {
          out += kMonthShort[c.month - 1];
        } else {
          Pad(out, c.month, w);
        }
        break;
      case 'd':
        Pad(out, c.day, w);
        break;
      case 'D':
        Pad(out, DayOfYear(local_ms), w);
        break;
      case 'E':
        out += n >= 4 ? kDayLong[Weekday(local_ms) - 1] : kDayShort[Weekday(local_ms) - 1];
        break;
      case 'a':
        out += c.hour < 12 ? "AM" : "PM";
        break;
      case 'H':
        Pad(out, c.hour, w);
        break;
      case 'k':
        Pad(out, c.hour == 0 ? 24 : c.hour, w);
        break;
      case 'K':
        Pad(out, c.hour % 12, w);
        break;
      case 'h':
        Pad(out, c.hour % 12 == 0 ? 12 : c.hour % 12, w);
        break;
      case 'm':
        Pad(out, c.minute, w);
        break;
      case 's':
        Pad(out, c.second, w);
        break;
      case 'S': {
        std::string ms;
        Pad(ms, c.millis, 3);
        if (n <= 3) {
          out += ms.substr(0, n);
        } else {
          out += ms;
          out.append(n - 3, '0');
        }
        break;
      }
      case 'w': {
        int doy = DayOfYear(local_ms);
        int jan1 = Weekday(local_ms - static_cast<int64_t>(doy - 1) * kMillisPerDay);
        Pad(out, (doy + jan1 - 2) / 7 + 1, w);
        break;
      }
      case 'z':
        out += zone.AbbreviationAt(zone.UtcFromLocal(local_ms));
        break;
      case 'Z':
      case 'X': {
        int64_t off = zone.OffsetAt(zone.UtcFromLocal(local_ms)) / 60'000;
        if (ch == 'X' && off == 0) {
          out += 'Z';
          break;
        }
        out += off < 0 ? '-' : '+';
        if (off < 0) off = -off;
        Pad(out, off / 60, 2);
        if (ch == 'X' && n == 1) break;
        if (ch == 'X' && n >= 3) out += ':';
        Pad(out, off % 60, 2);
        break;
      }
      default:
        out.append(n, ch);
        break;
    }
  }
  return out;
}

// ---- parsing ----

std::optional<ParsedDate> ParseDateText(std::string_view text, const Zone& zone) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  Scanner sc{text};
  Civil c;
  int a = 0;
  if (!sc.Digits(4, a)) return std::nullopt;
  size_t first_len = sc.i;
  if (sc.Eat('-')) {
    if (first_len == 4) {  // yyyy-MM-dd
      c.year = a;
      if (!sc.Digits(2, c.month) || !sc.Eat('-') || !sc.Digits(2, c.day)) return std::nullopt;
    } else {  // dd-MMM-yyyy
      c.day = a;
      if (!sc.Month(c.month) || !sc.Eat('-') || !sc.Digits(4, c.year)) return std::nullopt;
    }
  } else if (sc.Eat('/')) {  // MM/dd/yyyy
    c.month = a;
    if (!sc.Digits(2, c.day) || !sc.Eat('/') || !sc.Digits(4, c.year)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  bool has_time = false;
  std::optional<int> offset;
  if (!sc.Done()) {
    if (!sc.Eat('T') && !sc.Eat(' ')) return std::nullopt;
    sc.Spaces();
    if (!ParseTime(sc, c)) return std::nullopt;
    has_time = true;
    if (!ParseOffset(sc, offset)) return std::nullopt;
    if (!sc.Done()) return std::nullopt;
  }
  if (!Valid(c)) return std::nullopt;
  int64_t ms = FromCivil(c);
  if (offset) ms = zone.LocalFromUtc(ms - int64_t{*offset} * 60'000);
  return ParsedDate{ms, has_time};
}

std::optional<ParsedDate> ParseWithPattern(std::string_view text, std::string_view pattern,
                                           const Zone& zone) {
  Scanner sc{text};
  Civil c;
  bool has_time = false;
  bool pm = false;
  bool twelve_hour = false;
  std::optional<int> offset;
  size_t i = 0;
  while (i < pattern.size()) {
    char ch = pattern[i];
    if (ch == '\'') {
      size_t j = i + 1;
      while (j < pattern.size() && pattern[j] != '\'') {
        if (!sc.Eat(pattern[j])) return std::nullopt;
        ++j;
      }
      i = j + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(ch))) {
      if (!sc.Eat(ch)) return std::nullopt;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == ch) ++n;
    i += n;
    // A numeric field directly followed by another field reads exactly n digits.
    bool adjacent = i < pattern.size() && std::isalpha(static_cast<unsigned char>(pattern[i]));
    int max = adjacent ? static_cast<int>(n) : 9;
    int v = 0;
    switch (ch) {
      case 'y':
      case 'Y':
        if (!sc.Digits(n == 2 ? 2 : (adjacent ? static_cast<int>(n) : 4), v)) return std::nullopt;
        c.year = n == 2 ? 2000 + v : v;
        break;
      case 'M':
        if (n >= 3) {
          if (!sc.Month(c.month)) return std::nullopt;
        } else if (!sc.Digits(adjacent ? 2 : 2, c.month)) {
          return std::nullopt;
        }
        break;
      case 'd':
        if (!sc.Digits(std::min(max, 2), c.day)) return std::nullopt;
        break;
      case 'E':
        if (!sc.DayName()) return std::nullopt;
        break;
      case 'H':
      case 'k':
        if (!sc.Digits(std::min(max, 2), c.hour)) return std::nullopt;
        if (ch == 'k' && c.hour == 24) c.hour = 0;
        has_time = true;
        break;
      case 'h':
      case 'K':
        if (!sc.Digits(std::min(max, 2), c.hour)) return std::nullopt;
        twelve_hour = true;
        has_time = true;
        break;
      case 'm':
        if (!sc.Digits(std::min(max, 2), c.minute)) return std::nullopt;
        has_time = true;
        break;
      case 's':
        if (!sc.Digits(std::min(max, 2), c.second)) return std::nullopt;
        has_time = true;
        break;
      case 'S':
        if (!sc.Digits(max, c.millis)) return std::nullopt;
        break;
      case 'a':
        if (sc.i + 2 > text.size()) return std::nullopt;
        if (EqualsIgnoreCase(text.substr(sc.i, 2), "PM")) {
          pm = true;
        } else if (!EqualsIgnoreCase(text.substr(sc.i, 2), "AM")) {
          return std::nullopt;
        }
        sc.i += 2;
        break;
      case 'X':
      case 'Z':
        if (!ParseOffset(sc, offset)) return std::nullopt;
        break;
      case 'z':
        while (!sc.Done() && std::isalpha(static_cast<unsigned char>(sc.Peek()))) ++sc.i;
        break;
      default:
        return std::nullopt;
    }
  }
  if (!sc.Done()) return std::nullopt;
  if (twelve_hour) c.hour = c.hour % 12 + (pm ? 12 : 0);
  if (!Valid(c)) return std::nullopt;
  int64_t ms = FromCivil(c);
  if (offset) ms = zone.LocalFromUtc(ms - int64_t{*offset} * 60'000);
  return ParsedDate{ms, has_time};
}

// ---- issue 17 ----
std::string SpokenDate(int64_t ms) {
  static constexpr std::string_view kMonths[] = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  Civil c = ToCivil(ms);
  std::string_view suffix = "th";
  if (c.day % 100 < 11 || c.day % 100 > 13) {
    if (c.day % 10 == 1) suffix = "st";
    if (c.day % 10 == 2) suffix = "nd";
    if (c.day % 10 == 3) suffix = "rd";
  }
  return std::to_string(c.day) + std::string(suffix) + " " + std::string(kMonths[c.month - 1]) +
         " " + std::to_string(c.year);
}

}  // namespace relish::deluge
