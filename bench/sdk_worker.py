"""One W3 client process: runs `count` flows of 10 tasks with the pinned prefect SDK against
PREFECT_API_URL, then prints {"import_seconds", "flow_seconds", "flows"} as JSON on stdout's
last line. Started by bench/workloads/w3_sdk.py."""

import json
import sys
import time

t0 = time.monotonic()
from prefect import flow, task  # noqa: E402

TASKS_PER_FLOW = 10


@task
def bench_task(i: int) -> int:
    return i * 2


@flow
def bench_sdk_flow() -> int:
    return sum(bench_task(i) for i in range(TASKS_PER_FLOW))


def main() -> None:
    count = int(sys.argv[1])
    t1 = time.monotonic()
    durations = []
    for _ in range(count):
        s = time.monotonic()
        bench_sdk_flow()
        durations.append(time.monotonic() - s)
    t2 = time.monotonic()
    print(json.dumps({"import_seconds": t1 - t0, "flow_seconds": t2 - t1, "flows": count, "durations": durations}))


if __name__ == "__main__":
    main()
