// `praetor server start`: open the database, register the routes, serve until a signal.
#pragma once

#include <optional>
#include <string>

namespace praetor::cli {

struct ServerStartOptions {
  std::optional<std::string> host;
  std::optional<int> port;
};

int run_server_start(const ServerStartOptions& options);

}  // namespace praetor::cli
