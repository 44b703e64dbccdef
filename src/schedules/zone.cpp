#include "schedules/zone.h"

#include <stdexcept>

namespace praetor::schedules {

namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

date::sys_seconds floor_seconds(core::Timestamp t) {
  return std::chrono::floor<seconds>(t);
}

}  // namespace

std::optional<Zone> Zone::find(std::string_view name) {
  if (name.empty() || name.find("..") != std::string_view::npos || name.front() == '/') {
    return std::nullopt;
  }
  try {
    return Zone(date::locate_zone(name), std::string(name));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Zone Zone::utc() {
  static const Zone zone(date::locate_zone("UTC"), "UTC");
  return zone;
}

bool is_known_zone(std::string_view name) { return Zone::find(name).has_value(); }

seconds Zone::offset_at(core::Timestamp t) const { return tz_->get_info(floor_seconds(t)).offset; }

LocalTime Zone::to_local(core::Timestamp t) const {
  return LocalTime(t.time_since_epoch() + offset_at(t));
}

core::Timestamp Zone::from_local(LocalTime local, Resolve how) const {
  auto whole = std::chrono::floor<seconds>(local);
  date::local_info info = tz_->get_info(date::local_seconds(whole.time_since_epoch()));
  seconds offset = info.first.offset;
  switch (info.result) {
    case date::local_info::unique:
      break;
    case date::local_info::nonexistent:
      offset = how == Resolve::kPostOffsetInGap ? info.second.offset : info.first.offset;
      break;
    case date::local_info::ambiguous:
      offset = how == Resolve::kLater ? info.second.offset : info.first.offset;
      break;
  }
  return core::Timestamp(local.time_since_epoch() - offset);
}

std::optional<core::Timestamp> Zone::previous_transition(core::Timestamp t) const {
  date::sys_info info = tz_->get_info(floor_seconds(t));
  for (int i = 0; i < 8; ++i) {
    if (info.begin <= date::sys_days(date::year(-32767) / 1 / 1)) return std::nullopt;
    date::sys_info before = tz_->get_info(info.begin - seconds(1));
    if (before.offset != info.offset) return core::Timestamp(info.begin);
    info = before;
  }
  return std::nullopt;
}

std::optional<core::Timestamp> Zone::next_transition(core::Timestamp t) const {
  date::sys_info info = tz_->get_info(floor_seconds(t));
  for (int i = 0; i < 8; ++i) {
    if (info.end >= date::sys_days(date::year(32767) / 1 / 1)) return std::nullopt;
    date::sys_info after = tz_->get_info(info.end);
    if (after.offset != info.offset) return core::Timestamp(info.end);
    info = after;
  }
  return std::nullopt;
}

}  // namespace praetor::schedules
