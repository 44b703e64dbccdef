// A stored log as Prefect's Log response object (server/schemas/core.py Log), shared by
// POST /logs/filter and the /logs/out stream.
#pragma once

#include <boost/json.hpp>

#include "store/log_repository.h"

namespace praetor::api {

boost::json::object log_response(const store::logs::Log& log);

}  // namespace praetor::api
