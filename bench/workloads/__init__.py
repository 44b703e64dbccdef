"""Benchmark workloads, one module each, run in this order by bench/bench.py.

A module defines:
  KEY          short id used in --only and the raw results ("w1", …)
  OWN_SERVER   False: `run(server, cfg)` gets the shared fresh server of its kind.
               True: `run(kind, cfg)` starts (and stops) its own servers.
  run(...)     -> dict of numbers for one server kind
  rows(p, q, cfg) -> list of (label, praetor, prefect, ratio) strings for the report table
  chart(p, q)  -> list of (label, factor) where factor > 1 means Praetor is better
  notes(p, q)  -> optional: list of sentences for "Where the time goes" (misses and causes)
A later issue adds its workload by adding a module and listing it in WORKLOADS.
"""

from . import w1_orchestration, w2_events, w3_sdk, w4_reads, w5_footprint, w6_scheduler, w7_automations, w12_isolation

WORKLOADS = [w5_footprint, w1_orchestration, w2_events, w12_isolation, w3_sdk, w4_reads, w6_scheduler, w7_automations]
