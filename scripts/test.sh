#!/usr/bin/env bash
# Runs every test: unit tests (release and ASan/UBSan builds), the compatibility suite that
# drives the pinned prefect package against a real praetor process (a subset again with the
# server built with ASan/UBSan), and the operations tests.
# PRAETOR_COMPAT_TARGET=prefect runs the compatibility suite against Prefect's own server.
# Unit tests with a database and the compatibility suite also run on PostgreSQL, on a private
# cluster this script starts (scripts/pg.sh) and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase's wall time, printed at the end (CI shows the tail of the output).
PHASE_TIMES=()
phase_name=setup
phase_start=$SECONDS
phase() {  # phase <name>: ends the current phase, starts the next, prints its header
  PHASE_TIMES+=("$(printf '%5d s  %s' $((SECONDS - phase_start)) "$phase_name")")
  phase_name=$1
  phase_start=$SECONDS
  echo "== $1"
}
print_phase_times() {
  PHASE_TIMES+=("$(printf '%5d s  %s' $((SECONDS - phase_start)) "$phase_name")")
  echo "== wall time by phase (total $SECONDS s)"
  printf '%s\n' "${PHASE_TIMES[@]}"
}
started_pg=
asan_build_pid=
on_exit() {
  [ -z "$asan_build_pid" ] || kill -- "-$asan_build_pid" 2>/dev/null || true
  [ -z "$started_pg" ] || scripts/pg.sh stop
  print_phase_times
}
trap on_exit EXIT

scripts/setup.sh

if ! PG_URL=$(scripts/pg.sh url 2>/dev/null); then
  PG_URL=$(scripts/pg.sh start)
  started_pg=1  # stopped on exit: only a cluster this run started
fi
export PRAETOR_TEST_POSTGRES_URL="$PG_URL"
# tests/support holds the skip_policy plugin: a skip not declared target-specific fails the run.
export PYTHONPATH="$PWD/tests/support${PYTHONPATH:+:$PYTHONPATH}"

phase "build (release)"
scripts/build.sh release
phase "unit tests (release)"
ctest --preset release -j2

phase "unit tests on PostgreSQL (release)"
for t in build/release/src/store/praetor_store_test build/release/src/events/praetor_events_test \
         build/release/src/automations/praetor_automations_test; do
  PRAETOR_TEST_DB=postgres "$t" --gtest_brief=1
done

# The ASan/UBSan build (the longest compile) runs at the lowest CPU priority beside the tests
# below, which spend much of their time waiting on subprocesses; its unit tests run last.
ASAN_BUILD_LOG=$(mktemp)
setsid nice -n 19 scripts/build.sh asan >"$ASAN_BUILD_LOG" 2>&1 & asan_build_pid=$!  # own process group

# The suite waits on SDK subprocesses, workers and the server much of the time, so on
# Praetor the SQLite and PostgreSQL runs go side by side (each with its own server and
# client home); their outputs are printed one after the other.
compat() {  # compat <label> [VAR=value ...]: one run of the suite, output to a log file
  local label=$1; shift
  env "$@" PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv/bin/python -m pytest -p skip_policy tests/compat \
    -q -p no:cacheprovider --timeout=300 "${PYTEST_ARGS[@]}" >"$COMPAT_LOGS/$label.log" 2>&1
}
PYTEST_ARGS=("$@")
COMPAT_LOGS=$(mktemp -d)
compat sqlite & sqlite_pid=$!
if [ "${PRAETOR_COMPAT_TARGET:-praetor}" = praetor ]; then
  compat postgres PRAETOR_COMPAT_DB=postgres PRAETOR_PG_URL="$PG_URL" & postgres_pid=$!
fi
compat_status=0
phase "compatibility tests (target: ${PRAETOR_COMPAT_TARGET:-praetor})"
wait $sqlite_pid || compat_status=1
cat "$COMPAT_LOGS/sqlite.log"
if [ -n "${postgres_pid:-}" ]; then
  echo "== compatibility tests (target: praetor on PostgreSQL)"
  wait $postgres_pid || compat_status=1
  cat "$COMPAT_LOGS/postgres.log"
fi
rm -rf "$COMPAT_LOGS"
[ $compat_status = 0 ] || { echo "compatibility tests failed"; exit 1; }

if [ "${PRAETOR_COMPAT_TARGET:-praetor}" = praetor ]; then
  # Version skew: an older 3.x client (.venv-old, scripts/setup.sh) runs the scenario tests
  # that do not need a newer client against praetor on SQLite.
  phase "compatibility tests with prefect $(.venv-old/bin/python -c 'import prefect; print(prefect.__version__)') (older client, praetor on SQLite)"
  PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv-old/bin/python -m pytest -p skip_policy -q -p no:cacheprovider --timeout=300 \
    -m "not new_client" -k "not twenty_flows_from_twenty_processes" \
    tests/compat/test_root.py tests/compat/test_scenario_runs.py tests/compat/test_scenario_events.py tests/compat/test_scenario_cli.py \
    tests/compat/test_workers.py::test_process_worker_executes_deployment_run \
    tests/compat/test_deployments.py::test_serve_picks_up_on_demand_run
fi

phase "operations tests"
PRAETOR_PG_URL="$PG_URL" PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv/bin/python -m pytest -p skip_policy tests/ops -q -p no:cacheprovider

# The deployment shapes (image recipe, compose.yaml, Helm chart, Debian package), without a
# container engine or a cluster; helm and compose-config come from
# scripts/install-packaging-tools.sh, which scripts/setup.sh started in the background at the
# top of this script.
phase "packaging tests"
PRAETOR_BINARY="$PWD/build/release/src/cli/praetor" .venv/bin/python -m pytest -p skip_policy tests/packaging -q -p no:cacheprovider

phase "build (asan+ubsan), finishing"
build_status=0
wait $asan_build_pid || build_status=$?
asan_build_pid=
if [ $build_status != 0 ]; then
  tail -n 100 "$ASAN_BUILD_LOG"
  echo "ASan/UBSan build failed"
  exit 1
fi
rm -f "$ASAN_BUILD_LOG"
phase "unit tests (asan+ubsan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j2

# The server itself under ASan/UBSan: the compatibility files that start and stop servers of
# their own (shutdown order, threads outliving main), on SQLite. A sanitizer report fails the
# run even when the tests pass (a server's report at shutdown fails no test).
if [ "${PRAETOR_COMPAT_TARGET:-praetor}" = praetor ]; then
  phase "server under asan+ubsan (compatibility subset)"
  SANITIZER_REPORTS=$(mktemp -d)
  ASAN_OPTIONS="detect_leaks=0:symbolize=0:log_path=$SANITIZER_REPORTS/asan" \
  UBSAN_OPTIONS="print_stacktrace=1:symbolize=0:log_path=$SANITIZER_REPORTS/ubsan" \
    PRAETOR_BINARY="$PWD/build/asan/src/cli/praetor" .venv/bin/python -m pytest -p skip_policy -q -p no:cacheprovider \
    --timeout=300 tests/compat/test_access_log.py tests/compat/test_auth.py tests/compat/test_automation_triggers.py \
    tests/compat/test_cancellation.py tests/compat/test_cors.py tests/compat/test_csrf.py tests/compat/test_gzip.py \
    tests/compat/test_metrics.py tests/compat/test_deployment_concurrency.py
  if compgen -G "$SANITIZER_REPORTS/*" >/dev/null; then
    for report in "$SANITIZER_REPORTS"/*; do
      echo "== $report"
      head -n 60 "$report"
      # Unsymbolized frames (fast to write before the harness stops the server): name them here.
      grep -o 'praetor+0x[0-9a-f]*' "$report" | head -n 20 | sed 's/praetor+//' |
        xargs -r addr2line -f -C -e build/asan/src/cli/praetor | paste - - | cut -c1-200
    done
    echo "sanitizer reports from the server under test"
    exit 1
  fi
  rm -rf "$SANITIZER_REPORTS"
fi
