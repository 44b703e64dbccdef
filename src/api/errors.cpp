#include "api/errors.h"

#include <spdlog/spdlog.h>

#include "core/repeated_log.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

// During a database outage every request fails alike; one line per 10 s and message says so.
core::RepeatedLog& repeated_failures() {
  static core::RepeatedLog log;
  return log;
}

// Prefect's 422 echoes the request body and each error's input. A large invalid body would
// then be answered twice over (a 60 MB body made a 125 MB answer), so each echo is capped:
// beyond kEchoLimit bytes the answer carries a prefix and the size.
constexpr std::size_t kEchoLimit = 64 * 1024;
constexpr std::size_t kEchoPrefix = 1024;

json::value capped_echo_text(std::string_view prefix, std::size_t size) {
  return json::value(std::string(prefix.substr(0, kEchoPrefix)) + "... [" + std::to_string(size) + " bytes, cut to " +
                     std::to_string(kEchoPrefix) + "]");
}

json::value capped_echo_text(std::string_view text) { return capped_echo_text(text, text.size()); }

// A large input is echoed as its serialized prefix and size, serialized through a small
// buffer: a 60 MB input is not written out whole only to be cut.
json::value capped_echo_value(const json::value& input) {
  json::serializer serializer;
  serializer.reset(&input);
  std::string prefix;
  std::size_t size = 0;
  char chunk[16 * 1024];
  while (!serializer.done()) {
    std::string_view part = serializer.read(chunk, sizeof chunk);
    if (prefix.size() < kEchoPrefix) prefix.append(part.substr(0, kEchoPrefix - prefix.size()));
    size += part.size();
  }
  if (size <= kEchoLimit) return input;
  return capped_echo_text(prefix, size);
}

json::value echoed_body(const std::string& body) {
  if (body.empty()) return json::value();
  if (body.size() > kEchoLimit) return capped_echo_text(body);
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  return ec ? json::value(body) : parsed;
}

json::value capped_inputs(json::value detail) {
  if (auto* entries = detail.if_array()) {
    for (auto& entry : *entries) {
      auto* fields = entry.if_object();
      auto* input = fields ? fields->if_contains("input") : nullptr;
      if (!input || input->is_null() || input->is_bool() || input->is_number()) continue;
      if (auto* text = input->if_string(); text && text->size() <= kEchoLimit) continue;
      *input = capped_echo_value(*input);
    }
  }
  return detail;
}

}  // namespace

Response error_response(const core::Error& error, const Request& request) {
  using core::ErrorKind;
  switch (error.kind) {
    case ErrorKind::kNotFound:
      return json_response(404, json::object{{"detail", error.message}});
    case ErrorKind::kObjectNotFound:
      return json_response(404, json::object{{"exception_message", error.message}});
    case ErrorKind::kBadRequest:
      return json_response(400, json::object{{"detail", error.message}});
    case ErrorKind::kConflict:
      return json_response(409, json::object{{"detail", error.message}});
    case ErrorKind::kForbidden:
      return json_response(403, json::object{{"detail", error.message}});
    case ErrorKind::kInvalid: {
      if (!error.detail.is_array()) return json_response(422, json::object{{"detail", error.message}});
      // Prefect echoes the body: parsed when it is JSON, else the raw text (both capped).
      return json_response(422, json::object{{"exception_message", "Invalid request received."},
                                             {"exception_detail", capped_inputs(error.detail)},
                                             {"request_body", echoed_body(request.body)}});
    }
    case ErrorKind::kUnavailable:
      repeated_failures().log(spdlog::level::warn, "retryable:" + error.message,
                              fmt::format("{} {}: retryable failure: {}", request.method, request.path, error.message));
      return json_response(503, json::object{{"exception_message", "Service Unavailable"}});
    case ErrorKind::kInternal:
      break;
  }
  repeated_failures().log(spdlog::level::err, "internal:" + error.message,
                          fmt::format("{} {}: internal error: {}", request.method, request.path, error.message));
  // An operator-facing explanation (no request content), e.g. a wrong block encryption key.
  if (error.detail.is_string()) return json_response(500, json::object{{"detail", error.detail}});
  return json_response(500, json::object{{"exception_message", "Internal Server Error"}});
}

}  // namespace praetor::api
