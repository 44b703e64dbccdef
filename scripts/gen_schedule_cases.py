#!/usr/bin/env python3
"""Generates src/schedules/testdata/schedule_cases.json from Prefect's own schedule classes.

Each case is a schedule in Prefect's JSON shape, a start (UTC), n and an optional end, and the
dates Prefect's server-side `get_dates` returns (UTC). Validity cases record whether Prefect's
validators accept a cron or rrule string. Deterministic: the same pinned libraries give the same
file. Run with the project's virtualenv:  .venv/bin/python scripts/gen_schedule_cases.py
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import random
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

warnings.filterwarnings("ignore")

from prefect._internal.schemas.validators import validate_cron_string, validate_rrule_string  # noqa: E402
from prefect.server.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule  # noqa: E402

UTC = dt.timezone.utc
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "src/schedules/testdata/schedule_cases.json"


def fmt(d: dt.datetime) -> str:
    d = d.astimezone(UTC)
    text = d.strftime("%Y-%m-%dT%H:%M:%S")
    if d.microsecond:
        text += f".{d.microsecond:06d}"
    return text + "Z"


@functools.cache
def transitions(zone: str, year: int) -> tuple[dt.datetime, ...]:
    """UTC instants (to the minute) where the zone's offset changes during `year`."""
    tz = ZoneInfo(zone)
    out = []
    t = dt.datetime(year, 1, 1, tzinfo=UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + dt.timedelta(hours=1)
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo = t
            while lo.astimezone(tz).utcoffset() == prev:
                lo += dt.timedelta(minutes=1)
            out.append(lo)
            prev = off
        t = nxt
    return tuple(out)


def starts_for(zone: str, rng: random.Random) -> list[dt.datetime]:
    starts = [dt.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)]
    for tr in transitions(zone, 2026):
        for delta in (-26 * 60, -90, -30, 0, 1, 20, 45, 70, 24 * 60):
            starts.append(tr + dt.timedelta(minutes=delta))
    starts.append(dt.datetime(2026, 6, 1, 3, 7, 11, 250000, tzinfo=UTC))
    starts.append(dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC) + dt.timedelta(seconds=rng.randrange(365 * 86400)))
    return starts


async def dates_of(schedule, start, n, end):
    return [fmt(d) for d in await schedule.get_dates(n=n, start=start, end=end)]


HAND_CRONS = [
    "* * * * *", "*/15 * * * *", "0 * * * *", "30 * * * *", "30 2 * * *", "0 2 * * *", "15 1 * * *",
    "0 3 * * *", "0 9 * * 1-5", "0 9 * * mon-fri", "0 0 * * 0", "0 0 * * 7", "0 0 1 * *", "0 0 L * *",
    "0 12 15 * 5", "0 0 13 * fri", "0 0 * * 5#3", "0 0 * * L5", "0 0 * * MON#1,fri#5", "@daily", "@hourly",
    "@weekly", "@monthly", "@yearly", "0 0 29 2 *", "0 0 31 * *", "10/20 * * * *", "0 0-23/5 * * *",
    "0 22-2 * * *", "0 0 * * fri-mon", "0 0 * jan,apr,jul,oct 1", "5 4 * * sun", "0 0,12 1 */2 *",
    "*/30 1-3 * * *", "0 0 ? * 2", "0 0 1-7 * 1", "59 23 L * *", "0 0 1 1 * 0 2027", "*/20 2 * * * 30",
    "0 0 * * 3-3", "0 8-18/2 * * 1,3,5", "45 1 * mar,oct,nov sun", "0 */3 * * *",
]


def random_cron(rng: random.Random) -> str:
    def field(lo, hi, names=None, allow_step=True):
        kind = rng.random()
        if kind < 0.3:
            return "*"
        if kind < 0.5 and allow_step:
            return f"*/{rng.randint(2, max(2, (hi - lo) // 2))}"
        if kind < 0.7:
            a = rng.randint(lo, hi)
            b = rng.randint(a, hi)
            return f"{a}-{b}" if a != b else str(a)
        if kind < 0.85:
            vals = sorted(rng.sample(range(lo, hi + 1), rng.randint(1, 3)))
            return ",".join(str(v) for v in vals)
        if names:
            return rng.choice(names)
        return str(rng.randint(lo, hi))

    minute = field(0, 59)
    hour = field(0, 23)
    dom = field(1, 28) if rng.random() < 0.4 else "*"
    month = field(1, 12, ["jan", "mar", "jun-aug", "oct,nov"]) if rng.random() < 0.3 else "*"
    dow = field(0, 6, ["mon", "tue-thu", "sat,sun", "fri#2", "L1"]) if rng.random() < 0.4 else "*"
    return " ".join([minute, hour, dom, month, dow])


INTERVALS = [60, 300, 900, 2700, 3600, 5400, 7200, 3 * 3600, 86400, 2 * 86400, 7 * 86400, 90000,
             129600, 86400 * 30, 0.5]

HAND_RRULES = [
    "FREQ=DAILY", "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,30",
    "FREQ=HOURLY", "FREQ=HOURLY;INTERVAL=5", "FREQ=HOURLY;BYHOUR=1,2,3,9", "FREQ=MINUTELY;INTERVAL=20",
    "FREQ=MINUTELY;INTERVAL=7;BYHOUR=2", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "FREQ=WEEKLY;WKST=SU;INTERVAL=2;BYDAY=SU,SA",
    "FREQ=MONTHLY;BYMONTHDAY=1,15,-1", "FREQ=MONTHLY;BYDAY=1MO,-1FR", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1,2", "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=-2",
    "FREQ=YEARLY", "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU;BYHOUR=2;BYMINUTE=30", "FREQ=YEARLY;BYYEARDAY=1,100,-1",
    "FREQ=YEARLY;BYWEEKNO=1,20,-1;BYDAY=MO", "FREQ=YEARLY;BYDAY=20MO", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;COUNT=5", "FREQ=DAILY;INTERVAL=3;COUNT=4", "FREQ=HOURLY;UNTIL=20260309T060000",
    "FREQ=SECONDLY;INTERVAL=1800", "FREQ=SECONDLY;BYSECOND=0,30;BYMINUTE=0;BYHOUR=3",
    "FREQ=DAILY;BYDAY=MO,TU;BYMONTH=3,4,10,11", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=1,2,3;BYMINUTE=15",
]

VALIDITY_CRONS = [
    "", "* * * *", "* * * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
    "* * * * 8", "H * * * *", "R * * * *", "*/0 * * * *", "* * * * 1#6", "* * * * mon,2#1", "-1 * * * *",
    "0 0 L5 * *", "? * * * *", "a b c d e", "1,,2 * * * *", "0 0 * * 7 0", "0 0 0 * * 0", "0 0 L-3 * *",
    "0 0 1-L * *", "5-1 * * * *", "0 0 * * sun-sat", "0 0 * * 0-7", "*/5/2 * * * *", "0 0 * * 1#0",
    "0 0 * * l", "1-60 * * * *", "@reboot", "0 0 1 1 * 0 1969", "0 0 1 1 * 0 2100", "0 0 1 1 * 0 *",
    "1/0 * * * *", "0 0 * * mon#2,tue#3", "0 0 * 0 *", "0 0 * * 1#2,2", "0 0 1,L * *", "0 0 * JAN-MAR/2 *", "0 2 * * 6L",
] + HAND_CRONS

VALIDITY_RRULES = [
    "FREQ=FOO", "FREQ=DAILY;", "FREQ=DAILY;UNTIL=20200105T000000Z", "FREQ=DAILY;BYSETPOS=0",
    "DTSTART:20200101T000000\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1", "DTSTART:20200101T000000", "FREQ=DAILY;BYDAY=0MO", "FREQ=DAILY;FOO=1",
    "", "FREQ=DAILY;COUNT=x", "RRULE:FREQ=DAILY", "freq=daily;count=3", "FREQ=DAILY;BYHOUR=25",
    "DTSTART:20200101T000000Z\nRRULE:FREQ=DAILY;UNTIL=20200105T000000",
    "DTSTART:20200101T000000Z\nRRULE:FREQ=DAILY;UNTIL=20200105T000000Z", "FREQ=WEEKLY;WKST=XX",
    "FREQ=DAILY\nEXDATE:20200102T000000", "FREQ=DAILY\nFOO:1", "RRULE;X=1:FREQ=DAILY",
    "FREQ=DAILY;BYMONTHDAY=0", "FREQ=MONTHLY;BYDAY=+2TU", "DTSTART;TZID=America/New_York:20260101T090000\nRRULE:FREQ=DAILY",
] + HAND_RRULES


def cron_cases(rng: random.Random) -> list[dict]:
    cases = []
    crons = HAND_CRONS + [random_cron(rng) for _ in range(40)]
    for i, cron in enumerate(crons):
        zones = ZONES if i < len(HAND_CRONS) and i % 3 == 0 else rng.sample(ZONES, 2)
        for zone in zones:
            starts = starts_for(zone, rng)
            for start in rng.sample(starts, min(len(starts), 3 if zone != "UTC" else 1)):
                day_or = rng.random() < 0.8
                body = {"cron": cron, "timezone": zone, "day_or": day_or}
                n = rng.choice([3, 5, 8])
                end = start + dt.timedelta(days=rng.choice([1, 3])) if rng.random() < 0.15 else None
                if end is not None:
                    n = None
                cases.append(("cron", body, start, n, end))
    return cases


def interval_cases(rng: random.Random) -> list[dict]:
    cases = []
    for interval in INTERVALS:
        for zone in ZONES:
            for _ in range(3 if zone != "UTC" else 1):
                starts = starts_for(zone, rng)
                start = rng.choice(starts)
                tz = ZoneInfo(zone)
                local_start = start.astimezone(tz).replace(tzinfo=None)
                anchor_kind = rng.random()
                if anchor_kind < 0.4:
                    # An anchor at a wall time that later falls in a DST gap (02:30).
                    anchor_local = (local_start - dt.timedelta(days=rng.randint(1, 40))).replace(hour=2, minute=30, second=0)
                elif anchor_kind < 0.8:
                    anchor_local = local_start - dt.timedelta(seconds=rng.randrange(1, 400 * 86400))
                else:
                    anchor_local = local_start + dt.timedelta(seconds=rng.randrange(1, 40 * 86400))
                anchor = anchor_local.replace(tzinfo=tz).astimezone(UTC)
                if rng.random() < 0.2:
                    anchor = anchor.replace(microsecond=rng.randrange(1, 999999))
                body = {"interval": interval, "anchor_date": fmt(anchor), "timezone": zone}
                n = rng.choice([3, 5, 8])
                end = None
                if rng.random() < 0.15:
                    end = start + dt.timedelta(seconds=interval * rng.randint(2, 6))
                    n = None
                cases.append(("interval", body, start, n, end))
    return cases


def rrule_cases(rng: random.Random) -> list[dict]:
    cases = []
    for rule in HAND_RRULES:
        for zone in rng.sample(ZONES, 3):
            starts = starts_for(zone, rng)
            start = rng.choice(starts)
            local = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
            dtstart = (local - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 5))).replace(second=0, microsecond=0)
            text = f"DTSTART:{dtstart:%Y%m%dT%H%M%S}\nRRULE:{rule}"
            if rng.random() < 0.25:
                ex = dtstart + dt.timedelta(days=rng.randint(0, 10))
                text += f"\nEXDATE:{ex:%Y%m%dT%H%M%S}"
            if rng.random() < 0.2:
                rd = local + dt.timedelta(hours=rng.randint(1, 72))
                text += f"\nRDATE:{rd:%Y%m%dT%H%M%S}"
            body = {"rrule": text, "timezone": zone}
            n = rng.choice([3, 5, 8])
            cases.append(("rrule", body, start, n, None))
    # Without DTSTART: Prefect's anchor, 2020-01-01 00:00.
    for rule in ["FREQ=YEARLY;BYMONTH=3,11;BYDAY=1SU", "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=2;BYMINUTE=30", "FREQ=DAILY;COUNT=3"]:
        body = {"rrule": rule, "timezone": "America/New_York"}
        cases.append(("rrule", body, dt.datetime(2026, 2, 1, tzinfo=UTC), 4, None))
    return cases


async def evaluate(raw_cases) -> list[dict]:
    out = []
    for kind, body, start, n, end in raw_cases:
        model = {"cron": CronSchedule, "interval": IntervalSchedule, "rrule": RRuleSchedule}[kind]
        schedule = model.model_validate(body)
        try:
            expected = await dates_of(schedule, start, n, end)
        except ValueError:
            # croniter gives up when no match lies within 50 years; Prefect raises too.
            continue
        out.append({"kind": kind, "schedule": body, "start": fmt(start), "n": n,
                    "end": fmt(end) if end else None, "expected": expected})
    return out


def validity(texts, validator) -> list[dict]:
    out = []
    seen = set()
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        try:
            validator(text)
            ok = True
        except Exception:
            ok = False
        out.append({"text": text, "valid": ok})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    rng = random.Random(20260308)
    raw = cron_cases(rng) + interval_cases(rng) + rrule_cases(rng)
    cases = asyncio.run(evaluate(raw))
    doc_lines = ['{"generated_by": "scripts/gen_schedule_cases.py (Prefect schedule classes)",',
                 ' "cron_validity": [']
    doc_lines.append(",\n".join("  " + json.dumps(v) for v in validity(VALIDITY_CRONS, validate_cron_string)))
    doc_lines.append(' ],\n "rrule_validity": [')
    doc_lines.append(",\n".join("  " + json.dumps(v) for v in validity(VALIDITY_RRULES, validate_rrule_string)))
    doc_lines.append(' ],\n "cases": [')
    doc_lines.append(",\n".join("  " + json.dumps(c) for c in cases))
    doc_lines.append(" ]}")
    args.output.write_text("\n".join(doc_lines) + "\n")


if __name__ == "__main__":
    main()
