// What every route handler may use. Owned by the caller of register_routes (the CLI's
// server command); outlives the router.
#pragma once

#include "config/settings.h"
#include "core/timestamp.h"
#include "events/event_bus.h"
#include "store/block_cipher.h"
#include "store/database.h"

namespace praetor::api {

struct ApiContext {
  const config::Settings& settings;
  store::Database& db;
  const core::Clock& clock;
  events::EventBus& events;
  // Seals block documents' data (store/block_cipher.h); null: the block document routes
  // answer 503 naming the missing key.
  const store::BlockCipher* block_cipher = nullptr;
};

}  // namespace praetor::api
