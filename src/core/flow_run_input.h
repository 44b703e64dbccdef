// A flow run's input (Prefect's core.FlowRunInput): a text value under a key unique within
// its run. Paused runs keep their RunInput's schema and the resumer's answer here, and
// send_input/receive_input pass messages between runs through it.
#pragma once

#include "core/model.h"

namespace praetor::core {

const Model& flow_run_input_model();

}  // namespace praetor::core
