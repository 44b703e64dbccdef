// `praetor version`: what an operator needs to name a build in a bug report or a rollout.
#pragma once

namespace praetor::cli {

// Prints the Praetor version, the source revision it was built from (PRAETOR_REVISION,
// cmake/praetor_revision.cmake), and the Prefect API and server versions it speaks. Returns 0.
int run_version();

}  // namespace praetor::cli
