// libFuzzer harness: cron expressions (croniter syntax), parsed alone and as a schedule body's
// "cron", then expanded. The input is the expression's text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedules/cron_expression.h"
#include "schedules/fuzz/schedule_fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto expression = praetor::schedules::CronExpression::parse(text)) {
    const praetor::schedules::LocalTime after{std::chrono::microseconds(1'709'985'600'000'000)};
    for (bool day_or : {true, false}) {
      auto next = expression->next_after(after, day_or);
      for (int i = 0; next && i < 3; ++i) next = expression->next_after(*next, day_or);
    }
  }
  praetor::schedules::fuzz::expand_schedule_text("cron", text);
  return 0;
}
