#include "cli/server_command.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/block_registration.h"
#include "automations/trigger_service.h"
#include "api/routes.h"
#include "api/ui_site.h"
#include "config/prefect_package.h"
#include "config/settings.h"
#include "api/request_log.h"
#include "core/log_format.h"
#include "core/uuid.h"
#include "events/event_persister.h"
#include "events/replica_feed.h"
#include "events/task_run_recorder.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "services/services.h"
#include "store/block_cipher.h"
#include "store/database.h"
#include "store/deferred_database.h"
#include "store/notifications.h"
#include "store/service_lease.h"

namespace praetor::cli {

namespace {

// The automations' trigger engine; its actions call this process's API in-process and
// outside systems (webhooks, notifications) over HTTP.
void add_trigger_service(services::ServiceRunner& runner, const config::Settings& settings, store::Database& db,
                         const core::Clock& clock, events::EventBus& bus, const api::Router& router) {
  if (!settings.services.triggers_enabled) {
    spdlog::info("service triggers disabled (PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED=false): automations do not fire");
    return;
  }
  if (!settings.services.actions_enabled) {
    spdlog::warn("PREFECT_SERVER_SERVICES_ACTIONS_ENABLED=false: automations fire, their actions wait unrun");
  }
  automations::ApiDispatch dispatch = [&router](const std::string& method, const std::string& path,
                                                const std::string& body) {
    api::Request request;
    request.method = method;
    request.path = path;
    if (auto q = path.find('?'); q != std::string::npos) {
      request.path = path.substr(0, q);
      request.query = path.substr(q + 1);
    }
    request.body = body;
    if (!body.empty()) request.headers.emplace_back("content-type", "application/json");
    api::Response response = router.dispatch_trusted(request);
    return automations::ApiReply{response.status, std::move(response.body)};
  };
  runner.add(std::make_unique<automations::TriggerService>(db, clock, &bus, automations::stored_automations(),
                                                           automations::ActionPorts{std::move(dispatch), server::send_outbound_request, settings.ui.links_url},
                                                           settings.services.actions_enabled));
}

// A team switching from Prefect often keeps its PREFECT_HOME, where Prefect's own database
// lies beside Praetor's: while Praetor's holds no flow yet, say that prefect.db is not read
// and name the command that copies it (Praetor starts empty otherwise, without a word).
void mention_prefect_database_beside(const config::Settings& settings, store::Database& db) {
  if (settings.database.dialect != config::DatabaseUrl::Dialect::kSqlite) return;
  std::error_code ec;
  const std::filesystem::path prefect_db = std::filesystem::path(settings.home) / "prefect.db";
  if (!std::filesystem::is_regular_file(prefect_db, ec)) return;
  if (std::filesystem::equivalent(prefect_db, settings.database.sqlite_path, ec)) return;
  auto has_flows = db.read<bool>([](store::Connection& c) -> core::Result<bool> {
    auto& st = c.prepare("SELECT 1 FROM flow LIMIT 1");
    bool any = st.step();
    st.reset();
    return any;
  });
  if (!has_flows || *has_flows) return;
  spdlog::warn(
      "PREFECT_HOME holds Prefect's database {} and Praetor's database {} holds no flow yet: Praetor does not read "
      "Prefect's database. To copy its flows, deployments, runs and the rest into Praetor's, stop praetor and run "
      "`praetor server database import --from sqlite+aiosqlite:///{}` (docs/importing.md)",
      prefect_db.string(), settings.database.sqlite_path, prefect_db.string());
}

// The database opener's thread (see serve()): told to stop retrying, and waited for before
// run_server_start returns, since what it uses (the models' descriptions, the logger) is
// freed by static destruction after main returns.
class OpenerThread {
 public:
  bool stopping() const { return stop_.load(); }
  void stop() { stop_ = true; }
  void starting() {
    std::lock_guard lock(mu_);
    done_ = false;
  }
  void finished() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
  }
  bool wait(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return done_; });
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = true;  // until starting(): a server that stopped before it has nothing to wait for
};

// Opening and migrating a database, or registering the block types after, takes seconds at
// most; longer, the opener waits on another replica's migration lock.
constexpr std::chrono::seconds kOpenerGrace{15};

int serve(const ServerStartOptions& options, const std::shared_ptr<OpenerThread>& opener);

}  // namespace

int run_server_start(const ServerStartOptions& options) {
  auto opener = std::make_shared<OpenerThread>();
  const int code = serve(options, opener);
  opener->stop();
  if (!opener->wait(kOpenerGrace)) {
    // Static destruction would free what the opener still uses: leave without it.
    spdlog::warn("the database is still being opened (another replica's migration lock?); exiting without waiting");
    spdlog::default_logger()->flush();
    std::_Exit(code);
  }
  return code;
}

namespace {

int serve(const ServerStartOptions& options, const std::shared_ptr<OpenerThread>& opener) {
  auto settings = config::load_settings();
  if (!settings) {
    spdlog::error("configuration error: {}", settings.error().message);
    return 2;
  }
  if (options.host) settings->host = *options.host;
  if (options.port) settings->port = static_cast<uint16_t>(*options.port);
  if (options.no_scheduler) settings->services.scheduler_enabled = false;
  if (options.no_late_runs) settings->services.late_runs_enabled = false;
  spdlog::set_level(spdlog::level::from_str(settings->log_level));
  spdlog::default_logger()->set_formatter(core::make_log_formatter(settings->log_format));
  auto block_cipher = store::load_block_cipher(*settings);
  if (!block_cipher) {
    spdlog::error("configuration error: {}", block_cipher.error().message);
    return 2;
  }
  spdlog::info("block documents are encrypted with the key from {}", block_cipher->source());
  auto package = config::find_prefect_package();
  if (!package) {
    spdlog::error("configuration error: {}", package.error().message);
    return 2;
  }
  if (*package) {
    settings->prefect_package_dir = **package;
    spdlog::info("serving Prefect's data files (UI, block types, worker views) from {}", settings->prefect_package_dir);
  } else {
    spdlog::warn(
        "no prefect package found: the web UI, Prefect's system block types and worker-type views are not served; "
        "set PRAETOR_PREFECT_PACKAGE_DIR to an installed prefect package directory or start with scripts/start.sh");
  }

  // The server listens at once (/api/health answers) while the database is opened and
  // migrated in the background; until then /api/ready and every data route answer 503.
  auto db = std::make_shared<store::DeferredDatabase>(
      settings->database.dialect == config::DatabaseUrl::Dialect::kPostgres ? store::Dialect::kPostgres
                                                                             : store::Dialect::kSqlite,
      settings->database.redacted());
  spdlog::info("opening database {}", settings->database.redacted());

  core::SystemClock clock;
  // Declared before the bus: the bus's destructor delivers what is queued to the persister,
  // whose destructor writes it while the database is still open.
  // Replicas on one PostgreSQL database tell each other about the events they store, so an
  // /events/out subscriber sees events whichever replica received them.
  const std::string replica_id = core::new_uuid4();
  events::EventPersister persister(*db, replica_id);
  events::TaskRunRecorder task_run_recorder(*db, clock);
  events::EventBus bus;
  bus.subscribe(&persister);
  bus.subscribe(&task_run_recorder);
  std::unique_ptr<events::ReplicaEventFeed> replica_feed;
  if (auto listener = store::make_notification_listener(settings->database, settings->database_tuning,
                                                        events::kEventsChannel)) {
    replica_feed = std::make_unique<events::ReplicaEventFeed>(std::move(listener), *db, bus, clock, replica_id);
  }
  api::ApiContext context{*settings, *db, clock, bus, &*block_cipher};
  api::Router router;
  api::register_routes(router, context);
  api::register_ui_site(router, *settings);

  server::ServerOptions server_options;
  server_options.host = settings->host;
  server_options.port = settings->port;
  server_options.io_threads = std::max(1u, std::thread::hardware_concurrency());
  server_options.handler_threads = settings->handler_threads;
  server_options.max_body_bytes = settings->max_body_bytes;
  // A quarter of the memory budget for request bodies in flight (the SQLite caches take half).
  server_options.max_body_bytes_in_flight =
      static_cast<std::size_t>(settings->database_tuning.memory_budget_mb) * 1024 * 1024 / 4;
  server_options.max_connections = settings->max_connections;
  const api::RequestLog request_log(settings->access_log_level);
  server_options.request_log = &request_log;
  server::HttpServer server(server_options, router);
  if (auto st = server.listen(); !st) {
    spdlog::error("{}", st.error().message);
    return 1;
  }
  // Among replicas on one PostgreSQL database each service runs on one at a time.
  auto leases = store::make_lease_provider(settings->database, settings->database_tuning);
  services::ServiceRunner service_runner(leases.get());
  if (!options.no_services) {
    services::add_enabled_services(service_runner, settings->services, *db, clock, &bus);
    add_trigger_service(service_runner, *settings, *db, clock, bus, router);
    service_runner.start([db] { return db->ready(); });
  }
  spdlog::info("praetor listening on http://{}:{}/api", settings->host, server.port());

  // Opens the database: transient failures (PostgreSQL down, another replica migrating, a
  // schema behind with migrate-on-start off) are retried; a schema newer than this binary
  // or a broken configuration stops the server (through SIGTERM, so it never touches a
  // server that is gone). Detached: it may be blocked on the migration lock when the server
  // stops, and holds the database by shared_ptr; run_server_start waits for it (OpenerThread).
  auto fatal = std::make_shared<std::atomic<bool>>(false);
  opener->starting();
  std::thread([db, fatal, opener, settings = *settings] {
    struct Finished {
      OpenerThread& opener;
      ~Finished() { opener.finished(); }
    } finished{*opener};
    const auto& url = settings.database;
    const auto& tuning = settings.database_tuning;
    const auto& package_dir = settings.prefect_package_dir;
    std::string last_error;
    for (;;) {
      auto opened = store::open_database(url, tuning);
      if (opened) {
        spdlog::info("database {} at schema version {}; ready", (*opened)->describe(), (*opened)->schema_version());
        db->set(std::move(*opened));
        mention_prefect_database_beside(settings, *db);
        // As Prefect's server does at start-up: the collections' block types and schemas.
        core::SystemClock registration_clock;
        api::register_collection_block_types(*db, registration_clock, package_dir);
        return;
      }
      if (opened.error().kind != core::ErrorKind::kUnavailable) {
        spdlog::error("{}", opened.error().message);
        *fatal = true;
        std::raise(SIGTERM);  // stops the server as a signal would
        return;
      }
      if (opened.error().message != last_error) {
        spdlog::warn("database not ready, retrying: {}", opened.error().message);
        last_error = opened.error().message;
      }
      db->set_status(opened.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (opener->stopping()) return;
    }
  }).detach();

  server.run();
  service_runner.stop();
  if (*fatal) {
    spdlog::error("praetor stopped: the database cannot be used");
    return 1;
  }
  spdlog::info("praetor stopped");
  return 0;
}

}  // namespace

int run_services_start() {
  auto settings = config::load_settings();
  if (!settings) {
    spdlog::error("configuration error: {}", settings.error().message);
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(settings->log_level));
  spdlog::default_logger()->set_formatter(core::make_log_formatter(settings->log_format));
  // Wait for the stop signal on this thread; the service threads never see it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto db = store::open_database(settings->database, settings->database_tuning);
  if (!db) {
    spdlog::error("{}", db.error().message);
    return 1;
  }
  core::SystemClock clock;
  events::EventPersister persister(**db, core::new_uuid4());
  events::EventBus bus;
  bus.subscribe(&persister);
  auto leases = store::make_lease_provider(settings->database, settings->database_tuning);
  services::ServiceRunner runner(leases.get());
  services::add_enabled_services(runner, settings->services, **db, clock, &bus);
  // The trigger engine's actions go through the API, in-process as in `server start`.
  auto block_cipher = store::load_block_cipher(*settings);
  if (!block_cipher) {
    spdlog::error("configuration error: {}", block_cipher.error().message);
    return 2;
  }
  api::ApiContext context{*settings, **db, clock, bus, &*block_cipher};
  api::Router router;
  api::register_routes(router, context);
  add_trigger_service(runner, *settings, **db, clock, bus, router);
  runner.start();
  spdlog::info("praetor services running ({} services)", runner.size());
  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("praetor services stopping");
  runner.stop();
  return 0;
}

}  // namespace praetor::cli
