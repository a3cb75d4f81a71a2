// Dates and times as Deluge sees them. A date or date-time value holds "local" milliseconds: the
// wall-clock reading in the run's time zone, counted as if that zone were UTC. Field access,
// formatting and day/month arithmetic are then plain calendar arithmetic; only conversions to and
// from real instants (the clock, unixEpoch, ISO text with an offset) consult the time zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relish::deluge {

inline constexpr int64_t kMillisPerDay = 86'400'000;

struct Civil {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
};

Civil ToCivil(int64_t local_ms);
int64_t FromCivil(const Civil& c);  // fields may be out of range only as documented per caller
int64_t DaysFromCivil(int year, int month, int day);
int DaysInMonth(int year, int month);
// 1 = Sunday ... 7 = Saturday (Deluge's weekday()).
int Weekday(int64_t local_ms);
int DayOfYear(int64_t local_ms);

// A time zone from the tz database; unknown names fall back to UTC. Cheap to copy.
class Zone {
 public:
  static Zone Utc() { return Zone(nullptr); }
  // nullopt when the name is not in the database.
  static std::optional<Zone> Find(std::string_view name);
  std::string_view name() const;
  int64_t LocalFromUtc(int64_t utc_ms) const;
  int64_t UtcFromLocal(int64_t local_ms) const;
  // Offset of local time from UTC at that instant, and the zone's abbreviation ("IST").
  int64_t OffsetAt(int64_t utc_ms) const;
  std::string AbbreviationAt(int64_t utc_ms) const;

 private:
  explicit Zone(const void* tz) : tz_(tz) {}
  const void* tz_;  // const date::time_zone*, nullptr for UTC
};

// The CRM default display: "01-Jan-2019" and "01-Jan-2019 15:00:00".
std::string FormatDefault(int64_t local_ms, bool with_time);
// getDate()'s form: "17th January 2018" (Zoho's getDate page).
std::string SpokenDate(int64_t local_ms);
// A Java SimpleDateFormat pattern ("yyyy-MM-dd'T'HH:mm:ssXXX"). Zone letters (z, Z, X) use `zone`.
std::string FormatPattern(int64_t local_ms, std::string_view pattern, const Zone& zone);

struct ParsedDate {
  int64_t local_ms;
  bool has_time;
};
// The formats Deluge accepts without a pattern: "01-Jan-2019", "01-Jan-2019 15:00[:00]",
// "2019-01-01", "2019-01-01 15:00:00", "2019-01-01T15:00:00[.sss][Z|+05:30]", "01/31/2019",
// each with an optional " AM"/" PM". Text with an offset is converted to `zone`'s local time.
std::optional<ParsedDate> ParseDateText(std::string_view text, const Zone& zone);
// Parses with a SimpleDateFormat pattern.
std::optional<ParsedDate> ParseWithPattern(std::string_view text, std::string_view pattern,
                                           const Zone& zone);

// Month arithmetic that clamps the day (31-Jan + 1 month = 28/29-Feb).
int64_t AddMonths(int64_t local_ms, int64_t months);

}  // namespace relish::deluge
