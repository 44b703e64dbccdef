#include "api/errors.h"

#include <spdlog/spdlog.h>

namespace praetor::api {

namespace json = boost::json;

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
      // Prefect echoes the body: parsed when it is JSON, else the raw text.
      boost::system::error_code ec;
      json::value body = request.body.empty() ? json::value() : json::parse(request.body, ec);
      if (ec) body = json::value(request.body);
      return json_response(422, json::object{{"exception_message", "Invalid request received."},
                                             {"exception_detail", error.detail},
                                             {"request_body", std::move(body)}});
    }
    case ErrorKind::kUnavailable:
      spdlog::warn("{} {}: retryable failure: {}", request.method, request.path, error.message);
      return json_response(503, json::object{{"exception_message", "Service Unavailable"}});
    case ErrorKind::kInternal:
      break;
  }
  spdlog::error("{} {}: internal error: {}", request.method, request.path, error.message);
  // An operator-facing explanation (no request content), e.g. a wrong block encryption key.
  if (error.detail.is_string()) return json_response(500, json::object{{"detail", error.detail}});
  return json_response(500, json::object{{"exception_message", "Internal Server Error"}});
}

}  // namespace praetor::api
