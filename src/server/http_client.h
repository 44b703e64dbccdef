// The transport of core::OutboundHttp: one HTTP/1.1 exchange per call over TCP or TLS
// (the system's trusted certificates, SNI and host-name checks), on an io_context of its
// own, so a slow or silent peer costs the caller at most the request's timeout.
#pragma once

#include "core/outbound_http.h"

namespace praetor::server {

core::Result<core::OutboundResponse> send_outbound_request(const core::OutboundRequest& request);

}  // namespace praetor::server
