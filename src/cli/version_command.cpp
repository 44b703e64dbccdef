#include "cli/version_command.h"

#include <cstdio>

#include "praetor_revision.h"

namespace praetor::cli {

int run_version() {
  std::printf("praetor %s\nrevision: %s\nPrefect API version: 0.8.4\nPrefect server version reported: 3.9.1\n",
              PRAETOR_VERSION, PRAETOR_REVISION);
  return 0;
}

}  // namespace praetor::cli
