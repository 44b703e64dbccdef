// libFuzzer harness: RFC 5545 rule sets as dateutil's rrulestr reads them, parsed alone (and
// expanded a bounded number of steps) and as a schedule body's "rrule", then expanded. The
// input is the rule's text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedules/fuzz/schedule_fuzz_input.h"
#include "schedules/rrule.h"
#include "schedules/schedule_limits.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The API refuses longer rules before parsing (Prefect's MAX_RRULE_LENGTH).
  if (text.size() > praetor::schedules::kMaxRRuleLength) return 0;
  if (auto set = praetor::schedules::parse_rrule_set(text)) {
    praetor::schedules::RRuleSetIterator it(*set);
    for (int i = 0; i < 20 && it.next(); ++i) {
    }
  }
  praetor::schedules::fuzz::expand_schedule_text("rrule", text);
  return 0;
}
