// `praetor server start`: open the database, register the routes, serve until a signal.
#pragma once

#include <optional>
#include <string>

namespace praetor::cli {

struct ServerStartOptions {
  std::optional<std::string> host;
  std::optional<int> port;
  bool no_services = false;           // PREFECT__SERVER_WEBSERVER_ONLY: API only
  bool no_scheduler = false;          // --no-scheduler overrides the setting
  bool no_late_runs = false;          // --no-late-runs
};

int run_server_start(const ServerStartOptions& options);
// `praetor server services start`: the enabled background services on the configured
// database, without the API, until SIGINT/SIGTERM.
int run_services_start();

}  // namespace praetor::cli
