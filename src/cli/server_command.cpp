#include "cli/server_command.h"

#include <thread>

#include <spdlog/spdlog.h>

#include "api/routes.h"
#include "config/settings.h"
#include "events/event_persister.h"
#include "events/task_run_recorder.h"
#include "server/http_server.h"
#include "store/database.h"

namespace praetor::cli {

int run_server_start(const ServerStartOptions& options) {
  auto settings = config::load_settings();
  if (!settings) {
    spdlog::error("configuration error: {}", settings.error().message);
    return 2;
  }
  if (options.host) settings->host = *options.host;
  if (options.port) settings->port = static_cast<uint16_t>(*options.port);
  spdlog::set_level(spdlog::level::from_str(settings->log_level));

  spdlog::info("opening database {}", settings->database.redacted());
  auto db = store::open_database(settings->database, settings->database_tuning);
  if (!db) {
    spdlog::error("{}", db.error().message);
    return 1;
  }
  spdlog::info("database {} at schema version {}", (*db)->describe(), (*db)->schema_version());

  core::SystemClock clock;
  // Declared before the bus: the bus's destructor delivers what is queued to the persister,
  // whose destructor writes it while the database is still open.
  events::EventPersister persister(**db);
  events::TaskRunRecorder task_run_recorder(**db, clock);
  events::EventBus bus;
  bus.subscribe(&persister);
  bus.subscribe(&task_run_recorder);
  api::ApiContext context{*settings, **db, clock, bus};
  api::Router router;
  api::register_routes(router, context);

  server::ServerOptions server_options;
  server_options.host = settings->host;
  server_options.port = settings->port;
  server_options.io_threads = std::max(1u, std::thread::hardware_concurrency());
  server_options.handler_threads = settings->handler_threads;
  server_options.max_body_bytes = settings->max_body_bytes;
  server::HttpServer server(server_options, router);
  if (auto st = server.listen(); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  spdlog::info("praetor listening on http://{}:{}/api", settings->host, server.port());
  server.run();
  spdlog::info("praetor stopped");
  return 0;
}

}  // namespace praetor::cli
