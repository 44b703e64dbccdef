"""The committed schedule oracle cases still match the pinned Prefect.

src/schedules/testdata/schedule_cases.json is generated from Prefect's own schedule classes
(scripts/gen_schedule_cases.py) and replayed by the C++ schedule tests. Regenerating it here
notices a change in the pinned prefect/croniter/dateutil/tzdata behaviour. Needs no server.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "src/schedules/testdata/schedule_cases.json"


# Verifies that regenerating the oracle cases with the pinned libraries gives the committed file.
def test_schedule_oracle_cases_are_fresh(tmp_path):
    fresh = tmp_path / "schedule_cases.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_schedule_cases.py"), "--output", str(fresh)],
        check=True,
        timeout=60,
    )
    assert fresh.read_text() == COMMITTED.read_text(), (
        "schedule oracle cases changed; rerun scripts/gen_schedule_cases.py and check "
        "praetor_schedules_test"
    )
