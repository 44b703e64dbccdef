// Helpers for non-blocking route handlers (Router::add_async): answer at once, or start a
// database write and build the response once it has committed, without holding a thread
// while the commit is pending.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "api/router.h"
#include "core/result.h"
#include "store/database.h"

namespace praetor::api {

// Completes `respond` with a response (or error) already at hand.
inline void respond_now(const Respond& respond, core::Result<Response> result) {
  auto shared = std::make_shared<core::Result<Response>>(std::move(result));
  respond([shared]() -> core::Result<Response> { return std::move(*shared); });
}

// Runs `write` as db.write_async; after its commit, `then` turns the result into the
// response on a server thread (it must not block). An error from `write` (or the commit)
// is answered as a Handler's error would be.
template <class T>
void write_then(store::Database& db, Respond respond, std::function<core::Result<T>(store::Connection&)> write,
                std::function<core::Result<Response>(T&)> then) {
  db.write_async<T>(std::move(write), [respond = std::move(respond), then = std::move(then)](core::Result<T> r) {
    auto shared = std::make_shared<core::Result<T>>(std::move(r));
    respond([shared, then]() -> core::Result<Response> {
      if (!*shared) return shared->error();
      return then(**shared);
    });
  });
}

}  // namespace praetor::api
