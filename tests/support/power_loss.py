"""The disk side of a simulated power loss: after a process that ran with the power-loss shim
(tests/power_loss/power_loss_shim.cpp, which documents the journal format) has been killed,
`lose_unsynced_writes` undoes every write the journal shows was not covered by an fsync or
fdatasync of its file, newest first, so the files hold only what a disk that lost its
unsynced data would hold. Imported by path (each caller puts this folder on sys.path)."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

MAGIC, END_MAGIC = 0x504C4A31, 0x454E4421
HEADER = struct.Struct("=IIIQQQ")  # magic, kind, path length, a, b, data length


@dataclass
class Loss:
    """What a simulated power loss did, per file: writes journalled, writes undone (not
    synced), bytes those writes had written over or appended."""

    writes: dict[str, int] = field(default_factory=dict)
    undone: dict[str, int] = field(default_factory=dict)
    torn_tail: bool = False  # the journal ended in a partial record (the kill landed mid-append)

    @property
    def undone_total(self) -> int:
        return sum(self.undone.values())

    def summary(self) -> str:
        files = ", ".join(f"{Path(p).name}: {self.undone.get(p, 0)} of {n} writes undone"
                          for p, n in sorted(self.writes.items()))
        return files or "no writes journalled"


@dataclass
class _Write:
    index: int
    offset: int
    old_size: int
    old: bytes


def lose_unsynced_writes(journal: Path) -> Loss:
    data = journal.read_bytes()
    writes: dict[str, list[_Write]] = {}
    durable_below: dict[str, int] = {}  # per file: writes with a smaller index were synced
    loss = Loss()
    pos, index = 0, 0
    while pos < len(data):
        if pos + HEADER.size > len(data):
            loss.torn_tail = True
            break
        magic, kind, path_len, a, b, data_len = HEADER.unpack_from(data, pos)
        end = pos + HEADER.size + path_len + data_len + 4
        if magic != MAGIC or end > len(data) or struct.unpack_from("=I", data, end - 4)[0] != END_MAGIC:
            loss.torn_tail = True  # only the last record can be torn: records are appended one at a time
            assert end >= len(data), f"corrupt journal record at byte {pos} of {journal}"
            break
        start = pos + HEADER.size
        path = data[start:start + path_len].decode()
        if kind == ord("W"):
            writes.setdefault(path, []).append(_Write(index, a, b, data[start + path_len:end - 4]))
        elif kind == ord("S"):
            durable_below[path] = max(durable_below.get(path, 0), a)
        else:
            raise AssertionError(f"unknown journal record kind {kind} at byte {pos} of {journal}")
        pos, index = end, index + 1
    for path, ws in writes.items():
        loss.writes[path] = len(ws)
        lost = [w for w in ws if w.index >= durable_below.get(path, 0)]
        loss.undone[path] = len(lost)
        if not lost or not os.path.exists(path):
            continue
        with open(path, "r+b") as f:
            for w in reversed(lost):
                f.seek(w.offset)
                f.write(w.old)
                f.truncate(w.old_size)
    return loss
