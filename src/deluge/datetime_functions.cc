// Date and date-time functions: reference §3.6, docs/language/builtins.md#datetime. Adding to a
// date yields a date-time (Zoho: '01-Jan-2019'.addYear(100) is '01-Jan-2119 00:00:00').
#include <algorithm>
#include <cstdio>

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

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMinute = 60'000;

int64_t DayStart(int64_t ms) {
  int64_t d = ms / kMillisPerDay;
  if (ms % kMillisPerDay < 0) --d;
  return d * kMillisPerDay;
}

Value Dt(int64_t ms) { return Value::DateTime(ms); }
Value D(int64_t ms) { return Value::Date(DayStart(ms)); }

Value AddUnits(Interp& in, const Value& self, const Value& arg, int64_t unit, int sign,
               std::string_view fn) {
  int64_t n = 0;
  if (!ArgInt(in, arg, fn, n)) return Value::Abort();
  return Dt(self.AsMillis() + sign * n * unit);
}
Value AddMonthsFn(Interp& in, const Value& self, const Value& arg, int64_t factor,
                  std::string_view fn) {
  int64_t n = 0;
  if (!ArgInt(in, arg, fn, n)) return Value::Abort();
  return Dt(AddMonths(self.AsMillis(), n * factor));
}

FN(AddDay) { return AddUnits(in, self, args[0], kMillisPerDay, 1, "addDay"); }
FN(SubDay) { return AddUnits(in, self, args[0], kMillisPerDay, -1, "subDay"); }
FN(AddWeek) { return AddUnits(in, self, args[0], 7 * kMillisPerDay, 1, "addWeek"); }
FN(SubWeek) { return AddUnits(in, self, args[0], 7 * kMillisPerDay, -1, "subWeek"); }
FN(AddHour) { return AddUnits(in, self, args[0], kHour, 1, "addHour"); }
FN(SubHour) { return AddUnits(in, self, args[0], kHour, -1, "subHour"); }
FN(AddMinutes) { return AddUnits(in, self, args[0], kMinute, 1, "addMinutes"); }
FN(SubMinutes) { return AddUnits(in, self, args[0], kMinute, -1, "subMinutes"); }
FN(AddSeconds) { return AddUnits(in, self, args[0], 1000, 1, "addSeconds"); }
FN(SubSeconds) { return AddUnits(in, self, args[0], 1000, -1, "subSeconds"); }
FN(AddMonth) { return AddMonthsFn(in, self, args[0], 1, "addMonth"); }
FN(SubMonth) { return AddMonthsFn(in, self, args[0], -1, "subMonth"); }
FN(AddYear) { return AddMonthsFn(in, self, args[0], 12, "addYear"); }
FN(SubYear) { return AddMonthsFn(in, self, args[0], -12, "subYear"); }

// Weekend days (1 = Sunday ... 7 = Saturday) from a list of numbers or day names.
bool Weekends(Interp& in, const Value* args, int argc, int index, bool out[8]) {
  for (int i = 0; i < 8; ++i) out[i] = false;
  if (argc <= index || args[index].is_null()) {
    out[1] = out[7] = true;
    return true;
  }
  ListObj* list = nullptr;
  if (!ArgList(in, args[index], "weekends", list)) return false;
  static constexpr std::string_view kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (const Value& v : list->items) {
    if (v.is_int() && v.AsInt() >= 1 && v.AsInt() <= 7) {
      out[v.AsInt()] = true;
      continue;
    }
    if (v.is_text()) {
      std::string lower = ToLower(v.text().substr(0, 12)).substr(0, 3);
      for (int d = 0; d < 7; ++d) {
        if (lower == kNames[d]) out[d + 1] = true;
      }
    }
  }
  return true;
}

// Sorted, so each day is a binary search: a long holiday list once made addBusinessDay scan it
// for every day stepped.
bool Holidays(Interp& in, const Value* args, int argc, int index, std::vector<int64_t>& out) {
  if (argc <= index || args[index].is_null()) return true;
  ListObj* list = nullptr;
  if (!ArgList(in, args[index], "holidays", list)) return false;
  if (!in.Work(list->items.size() * 24)) return false;
  for (const Value& v : list->items) {
    if (v.is_date()) {
      out.push_back(DayStart(v.AsMillis()));
    } else if (v.is_text() && v.text().size() <= 100) {  // no date is longer
      if (auto d = ParseDateText(v.text(), in.zone())) out.push_back(DayStart(d->local_ms));
    }
  }
  std::sort(out.begin(), out.end());
  return true;
}

bool IsBusinessDay(int64_t ms, const bool weekends[8], const std::vector<int64_t>& holidays) {
  if (weekends[Weekday(ms)]) return false;
  return !std::binary_search(holidays.begin(), holidays.end(), DayStart(ms));
}

// addBusinessDay(n[, weekends[, holidays]]): n business days later (earlier when negative).
Value BusinessDays(Interp& in, const Value& self, const Value* args, int argc, int sign,
                   bool date_result, std::string_view fn) {
  int64_t n = 0;
  if (!ArgInt(in, args[0], fn, n)) return Value::Abort();
  bool weekends[8];
  std::vector<int64_t> holidays;
  if (!Weekends(in, args, argc, 1, weekends) || !Holidays(in, args, argc, 2, holidays)) {
    return Value::Abort();
  }
  bool all_weekend = true;
  for (int d = 1; d <= 7; ++d) all_weekend = all_weekend && weekends[d];
  if (all_weekend) return in.Fail(Msg::kBadArgument, {fn, "every day is a weekend day"});
  n *= sign;
  int step = n < 0 ? -1 : 1;
  int64_t ms = self.AsMillis();
  if (n < -100000 || n > 100000) return in.Fail(Msg::kBadArgument, {fn, FormatInt(n)});
  for (int64_t left = n < 0 ? -n : n; left > 0;) {
    ms += step * kMillisPerDay;
    if (IsBusinessDay(ms, weekends, holidays)) --left;
  }
  return date_result ? D(ms) : Dt(ms);
}
FN(AddBusinessDay) { return BusinessDays(in, self, args, argc, 1, false, "addBusinessDay"); }
FN(SubBusinessDay) { return BusinessDays(in, self, args, argc, -1, false, "subBusinessDay"); }
FN(Workday) { return BusinessDays(in, self, args, argc, 1, true, "workday"); }

// addBusinessHour(hours[, "HH:mm" start, "HH:mm" end]): working hours 09:00-17:00, Mon-Fri.
FN(AddBusinessHour) {
  double hours = 0;
  if (!ArgNumber(in, args[0], "addBusinessHour", hours)) return Value::Abort();
  int64_t start = 9 * kHour;
  int64_t end = 17 * kHour;
  auto parse = [&](const Value& v, int64_t& out) {
    std::string t;
    if (!ArgText(in, v, "addBusinessHour", t)) return false;
    int h = 0;
    int m = 0;
    if (std::sscanf(t.c_str(), "%d:%d", &h, &m) < 1 || h < 0 || h > 24 || m < 0 || m > 59) {
      in.Fail(Msg::kBadArgument, {"addBusinessHour", t});
      return false;
    }
    out = h * kHour + m * kMinute;
    return true;
  };
  if (argc > 1 && !parse(args[1], start)) return Value::Abort();
  if (argc > 2 && !parse(args[2], end)) return Value::Abort();
  if (end <= start || hours < 0 || hours > 100000) {
    return in.Fail(Msg::kBadArgument, {"addBusinessHour", FormatDecimal(hours)});
  }
  bool weekends[8] = {false, true, false, false, false, false, false, true};
  std::vector<int64_t> none;
  int64_t left = static_cast<int64_t>(hours * kHour);
  int64_t ms = self.AsMillis();
  while (left > 0) {
    int64_t day = DayStart(ms);
    int64_t in_day = ms - day;
    if (!IsBusinessDay(ms, weekends, none) || in_day >= end) {
      ms = day + kMillisPerDay + start;
      continue;
    }
    if (in_day < start) ms = day + start;
    int64_t take = std::min(left, day + end - ms);
    ms += take;
    left -= take;
  }
  return Dt(ms);
}

FN(Day) { return Value::Int(ToCivil(self.AsMillis()).day); }
FN(Month) { return Value::Int(ToCivil(self.AsMillis()).month); }
FN(Year) { return Value::Int(ToCivil(self.AsMillis()).year); }
FN(Hour) { return Value::Int(ToCivil(self.AsMillis()).hour); }
FN(Minute) { return Value::Int(ToCivil(self.AsMillis()).minute); }
FN(Second) { return Value::Int(ToCivil(self.AsMillis()).second); }
FN(WeekdayFn) { return Value::Int(Weekday(self.AsMillis())); }
FN(DayOfYearFn) { return Value::Int(DayOfYear(self.AsMillis())); }

// getWeekOfYear([firstDay]): week 1 holds January 1st; weeks start on Sunday unless told.
FN(WeekOfYear) {
  int64_t first = 1;
  if (argc > 0 && !ArgInt(in, args[0], "getWeekOfYear", first)) return Value::Abort();
  if (first < 1 || first > 7) first = 1;
  int64_t ms = self.AsMillis();
  int doy = DayOfYear(ms);
  int jan1 = Weekday(DayStart(ms) - static_cast<int64_t>(doy - 1) * kMillisPerDay);
  int offset = (jan1 - static_cast<int>(first) + 7) % 7;
  return Value::Int((doy - 1 + offset) / 7 + 1);
}

bool Other(Interp& in, const Value& v, std::string_view fn, int64_t& out) {
  if (v.is_date()) {
    out = v.AsMillis();
    return true;
  }
  if (v.is_text()) {
    if (auto d = ParseDateText(v.text(), in.zone())) {
      out = d->local_ms;
      return true;
    }
  }
  in.Fail(Msg::kCastError, {TypeName(v.type()), "DATE", fn});
  return false;
}

FN(DaysBetween) {
  int64_t other = 0;
  if (!Other(in, args[0], "daysBetween", other)) return Value::Abort();
  return Value::Int((DayStart(other) - DayStart(self.AsMillis())) / kMillisPerDay);
}
FN(HoursBetween) {
  int64_t other = 0;
  if (!Other(in, args[0], "hoursBetween", other)) return Value::Abort();
  return Value::Int((other - self.AsMillis()) / kHour);
}
int64_t MonthsBetween(int64_t a, int64_t b) {
  Civil x = ToCivil(a);
  Civil y = ToCivil(b);
  int64_t months = (int64_t{y.year} - x.year) * 12 + (y.month - x.month);
  // A month is complete only when the later day-of-month/time has been reached.
  int64_t x_rest = a - FromCivil(Civil{x.year, x.month, 1});
  int64_t y_rest = b - FromCivil(Civil{y.year, y.month, 1});
  if (months > 0 && y_rest < x_rest) --months;
  if (months < 0 && y_rest > x_rest) ++months;
  return months;
}
FN(MonthsBetweenFn) {
  int64_t other = 0;
  if (!Other(in, args[0], "monthsBetween", other)) return Value::Abort();
  return Value::Int(MonthsBetween(self.AsMillis(), other));
}
FN(YearsBetween) {
  int64_t other = 0;
  if (!Other(in, args[0], "yearsBetween", other)) return Value::Abort();
  return Value::Int(MonthsBetween(self.AsMillis(), other) / 12);
}

// days360(end): the US 30/360 day count.
FN(Days360) {
  int64_t other = 0;
  if (!Other(in, args[0], "days360", other)) return Value::Abort();
  Civil a = ToCivil(self.AsMillis());
  Civil b = ToCivil(other);
  int d1 = a.day == 31 || (a.month == 2 && a.day == DaysInMonth(a.year, 2)) ? 30 : a.day;
  int d2 = b.day;
  if (d2 == 31 && d1 >= 30) d2 = 30;
  return Value::Int((int64_t{b.year} - a.year) * 360 + (b.month - a.month) * 30 + (d2 - d1));
}

// timeBetween(end): "H:m:s" without padding ('25:10:2').
FN(TimeBetween) {
  int64_t other = 0;
  if (!Other(in, args[0], "timeBetween", other)) return Value::Abort();
  int64_t diff = other - self.AsMillis();
  bool negative = diff < 0;
  if (negative) diff = -diff;
  diff /= 1000;
  std::string out = negative ? "-" : "";
  out += FormatInt(diff / 3600) + ":" + FormatInt(diff / 60 % 60) + ":" + FormatInt(diff % 60);
  return Value::Text(out);
}

FN(EDate) {
  int64_t n = 0;
  if (!ArgInt(in, args[0], "edate", n)) return Value::Abort();
  return D(AddMonths(self.AsMillis(), n));
}
FN(EOMonth) {
  int64_t n = 0;
  if (!ArgInt(in, args[0], "eomonth", n)) return Value::Abort();
  Civil c = ToCivil(AddMonths(DayStart(self.AsMillis()), n));
  c.day = DaysInMonth(c.year, c.month);
  c.hour = c.minute = c.second = c.millis = 0;
  return D(FromCivil(c));
}
FN(StartOfMonth) {
  Civil c = ToCivil(self.AsMillis());
  return D(FromCivil(Civil{c.year, c.month, 1}));
}
FN(StartOfWeek) {
  int64_t first = 1;
  if (argc > 0 && !ArgInt(in, args[0], "toStartOfWeek", first)) return Value::Abort();
  if (first < 1 || first > 7) first = 1;
  int64_t day = DayStart(self.AsMillis());
  int back = (Weekday(day) - static_cast<int>(first) + 7) % 7;
  return D(day - back * kMillisPerDay);
}

// nextWeekDay(dayName) / previousWeekDay(dayName): the nearest later / earlier date falling on
// that day of the week, never the date itself (Zoho: '20-Jul-2021', a Tuesday,
// .nextWeekDay("Tuesday") is 27-Jul-2021; docs/language/decisions.md). A date-time keeps its
// time of day.
Value StepWeekDay(Interp& in, const Value& self, const Value& arg, int step,
                  std::string_view fn) {
  std::string name;
  if (!ArgText(in, arg, fn, name)) return Value::Abort();
  static constexpr std::string_view kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                               "thursday", "friday", "saturday"};
  std::string lower = ToLower(name.substr(0, 16));
  int target = 0;
  for (int d = 0; d < 7; ++d) {
    if (lower == kDays[d] || (lower.size() == 3 && kDays[d].substr(0, 3) == lower)) target = d + 1;
  }
  if (target == 0) return in.Fail(Msg::kBadArgument, {fn, name});
  int64_t ms = self.AsMillis();
  do {
    ms += step * kMillisPerDay;
  } while (Weekday(ms) != target);
  return self.type() == Type::kDate ? D(ms) : Dt(ms);
}
FN(NextWeekDay) { return StepWeekDay(in, self, args[0], 1, "nextWeekDay"); }
FN(PreviousWeekDay) { return StepWeekDay(in, self, args[0], -1, "previousWeekDay"); }

// workDaysList(end[, weekends[, holidays]]): business dates from this date to end, inclusive.
FN(WorkDaysList) {
  int64_t other = 0;
  if (!Other(in, args[0], "workDaysList", other)) return Value::Abort();
  bool weekends[8];
  std::vector<int64_t> holidays;
  if (!Weekends(in, args, argc, 1, weekends) || !Holidays(in, args, argc, 2, holidays)) {
    return Value::Abort();
  }
  Value out = in.heap().NewList();
  int64_t from = DayStart(self.AsMillis());
  int64_t to = DayStart(other);
  if ((to - from) / kMillisPerDay > 100000) {
    return in.Fail(Msg::kBadArgument, {"workDaysList", "range too long"});
  }
  for (int64_t d = from; d <= to; d += kMillisPerDay) {
    if (IsBusinessDay(d, weekends, holidays)) out.list()->items.push_back(D(d));
  }
  return out;
}

FN(UnixEpoch) {
  int64_t ms = self.AsMillis();
  if (argc > 0) {
    std::string tz;
    if (!ArgText(in, args[0], "unixEpoch", tz)) return Value::Abort();
    // An unknown zone falls back to GMT, as Zoho documents.
    return Value::Int(Zone::Find(tz).value_or(Zone::Utc()).UtcFromLocal(ms));
  }
  return Value::Int(in.zone().UtcFromLocal(ms));
}

// toString([pattern[, timeZone]]), text(pattern): a SimpleDateFormat pattern; with a time zone
// the value is first moved from the run's zone to that one.
Value Format(Interp& in, const Value& self, const Value* args, int argc, std::string_view fn) {
  int64_t ms = self.AsMillis();
  Zone zone = in.zone();
  if (argc > 1 && !args[1].is_null()) {
    std::string tz;
    if (!ArgText(in, args[1], fn, tz)) return Value::Abort();
    if (auto z = Zone::Find(tz)) {
      ms = z->LocalFromUtc(in.zone().UtcFromLocal(ms));
      zone = *z;
    }
  }
  if (argc == 0 || args[0].is_null()) {
    return Value::Text(FormatDefault(ms, self.type() == Type::kDateTime));
  }
  std::string pattern;
  if (!ArgText(in, args[0], fn, pattern)) return Value::Abort();
  return in.MakeText(FormatPattern(ms, pattern, zone));
}
FN(ToStringFn) { return Format(in, self, args, argc, "toString"); }
FN(Text) { return Format(in, self, args, argc, "text"); }
FN(ToDateTimeString) {
  return Value::Text(FormatPattern(self.AsMillis(), "yyyy-MM-dd'T'HH:mm:ssXXX", in.zone()));
}
FN(ToDate) { return D(self.AsMillis()); }
FN(ToDateTime) { return Dt(self.AsMillis()); }

// toLong() / toNumber(): the epoch milliseconds of the instant (Zoho's toLong page: in Pacific
// time '31-Dec-1969 16:00:01'.toLong() is 1000).
FN(ToEpochMillis) { return Value::Int(in.zone().UtcFromLocal(self.AsMillis())); }

// getDate(): "17th January 2018" (Zoho's getDate page), as text.
FN(GetDate) { return Value::Text(SpokenDate(self.AsMillis())); }

// ---- functions without a receiver ----
FN(Now) { return Dt(in.NowLocalMillis() / 1000 * 1000); }
FN(Today) { return D(in.NowLocalMillis()); }

#undef FN

constexpr Builtin kDate[] = {
    {"addDay", 1, 1, AddDay, "datetime"},
    {"subDay", 1, 1, SubDay, "datetime"},
    {"addWeek", 1, 1, AddWeek, "datetime"},
    {"subWeek", 1, 1, SubWeek, "datetime"},
    {"addHour", 1, 1, AddHour, "datetime"},
    {"subHour", 1, 1, SubHour, "datetime"},
    {"addMinutes", 1, 1, AddMinutes, "datetime"},
    {"subMinutes", 1, 1, SubMinutes, "datetime"},
    {"addSeconds", 1, 1, AddSeconds, "datetime"},
    {"subSeconds", 1, 1, SubSeconds, "datetime"},
    {"addMonth", 1, 1, AddMonth, "datetime"},
    {"subMonth", 1, 1, SubMonth, "datetime"},
    {"addYear", 1, 1, AddYear, "datetime"},
    {"subYear", 1, 1, SubYear, "datetime"},
    {"addBusinessDay", 1, 3, AddBusinessDay, "datetime"},
    {"subBusinessDay", 1, 3, SubBusinessDay, "datetime"},
    {"workday", 1, 3, Workday, "datetime"},
    {"addBusinessHour", 1, 3, AddBusinessHour, "datetime"},
    {"day", 0, 0, Day, "datetime"},
    {"getDay", 0, 0, Day, "datetime"},
    {"month", 0, 0, Month, "datetime"},
    {"getMonth", 0, 0, Month, "datetime"},
    {"year", 0, 0, Year, "datetime"},
    {"getYear", 0, 0, Year, "datetime"},
    {"hour", 0, 0, Hour, "datetime"},
    {"getHour", 0, 0, Hour, "datetime"},
    {"minute", 0, 0, Minute, "datetime"},
    {"getMinutes", 0, 0, Minute, "datetime"},
    {"second", 0, 0, Second, "datetime"},
    {"getSeconds", 0, 0, Second, "datetime"},
    {"weekday", 0, 0, WeekdayFn, "datetime"},
    {"getDayOfWeek", 0, 0, WeekdayFn, "datetime"},
    {"getDayOfYear", 0, 0, DayOfYearFn, "datetime"},
    {"getWeekOfYear", 0, 1, WeekOfYear, "datetime"},
    {"daysBetween", 1, 1, DaysBetween, "datetime"},
    {"hoursBetween", 1, 1, HoursBetween, "datetime"},
    {"monthsBetween", 1, 1, MonthsBetweenFn, "datetime"},
    {"totalMonth", 1, 1, MonthsBetweenFn, "datetime"},
    {"totalMonths", 1, 1, MonthsBetweenFn, "datetime"},
    {"yearsBetween", 1, 1, YearsBetween, "datetime"},
    {"totalYear", 1, 1, YearsBetween, "datetime"},
    {"totalYears", 1, 1, YearsBetween, "datetime"},
    {"days360", 1, 1, Days360, "datetime"},
    {"timeBetween", 1, 1, TimeBetween, "datetime"},
    {"edate", 1, 1, EDate, "datetime"},
    {"eomonth", 1, 1, EOMonth, "datetime"},
    {"toStartOfMonth", 0, 0, StartOfMonth, "datetime"},
    {"toStartOfWeek", 0, 1, StartOfWeek, "datetime"},
    {"nextWeekDay", 1, 1, NextWeekDay, "datetime"},
    {"previousWeekDay", 1, 1, PreviousWeekDay, "datetime"},
    {"workDaysList", 1, 3, WorkDaysList, "datetime"},
    {"unixEpoch", 0, 1, UnixEpoch, "datetime"},
    {"toString", 0, 2, ToStringFn, "datetime"},
    {"toText", 0, 2, ToStringFn, "datetime"},
    {"text", 1, 2, Text, "datetime"},
    {"toDateTimeString", 0, 0, ToDateTimeString, "datetime"},
    // A pattern (and a time zone) given to a value already a date is ignored, as Zoho documents.
    {"toDate", 0, 2, ToDate, "datetime"},
    {"toDateTime", 0, 2, ToDateTime, "datetime"},
    {"toTime", 0, 2, ToDateTime, "datetime"},
    // ---- issue 17: epoch milliseconds, getDate ----
    {"toLong", 0, 0, ToEpochMillis, "datetime"},
    {"toNumber", 0, 0, ToEpochMillis, "datetime"},
    {"getDate", 0, 0, GetDate, "datetime"},
};

constexpr Builtin kDateGlobals[] = {
    {"now", 0, 0, Now, "datetime"},
    {"today", 0, 0, Today, "datetime"},
};

}  // namespace

std::span<const Builtin> DateMethods() { return kDate; }
std::span<const Builtin> DateFunctions() { return kDateGlobals; }

}  // namespace relish::deluge
