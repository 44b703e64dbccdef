// The one table that turns error kinds into HTTP status codes and Prefect-shaped bodies
// (wire-protocol §6): {"detail": …} for HTTP errors, {"exception_message": …} for
// orchestration not-found, 500 and 503, and the 422 validation body echoing the request.
#pragma once

#include "api/http.h"
#include "core/result.h"

namespace praetor::api {

Response error_response(const core::Error& error, const Request& request);

}  // namespace praetor::api
