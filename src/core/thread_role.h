// What a thread does, told to the operating system: a name for `top -H`, perf and debuggers,
// and, for background work that may wait (storing and recording events), a lower scheduling
// priority, so that on a busy machine request handling and the orchestration writes run
// first and an event flood slows itself (the bus's back-pressure) instead of them.
#pragma once

namespace praetor::core {

// How much a background thread's niceness is raised (Linux: per thread). Raising it needs
// no privilege; it is never lowered again.
inline constexpr int kBackgroundNiceIncrement = 5;

// Names the calling thread; `name` is cut to the system's 15 characters.
void name_this_thread(const char* name);
// name_this_thread, and raises the thread's niceness by kBackgroundNiceIncrement. A refusal
// is logged, not fatal: the thread then runs at the normal priority.
void make_this_thread_background(const char* name);

}  // namespace praetor::core
