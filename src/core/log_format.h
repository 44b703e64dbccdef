// The process's log line format (PRAETOR_LOG_FORMAT): "text", the default
// ("2026-12-03T18:54:44.123456Z info message"), or "json", one object per line for log
// shippers: {"time":"2026-12-03T18:54:44.123456Z","level":"info","message":"…"} with the
// message JSON-escaped. Times are UTC in both.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/formatter.h>

namespace praetor::core {

// A formatter for `format` ("text" or "json"; anything else is read as "text").
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

}  // namespace praetor::core
