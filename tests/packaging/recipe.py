"""A reader of Containerfile recipes for the packaging tests: instructions per stage, with
continuation lines joined (enough for the recipes under deploy/; not a full parser)."""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (KEYWORD, arguments)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def args(self) -> dict[str, str]:
        """ARG name → default value."""
        out = {}
        for a in self.all("ARG"):
            name, _, default = a.partition("=")
            out[name] = default
        return out

    def key_values(self, keyword: str) -> dict[str, str]:
        """LABEL / ENV key=value pairs, quotes removed."""
        out = {}
        for a in self.all(keyword):
            for pair in shlex.split(a):
                k, _, v = pair.partition("=")
                out[k] = v
        return out


def read_recipe(path: Path) -> list[Stage]:
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        if not current and (raw.lstrip().startswith("#") or not raw.strip()):
            continue
        if raw.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if raw.endswith("\\"):
            current += raw[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    stages: list[Stage] = []
    for line in lines:
        keyword, _, args = line.strip().partition(" ")
        keyword, args = keyword.upper(), re.sub(r"\s+", " ", args.strip())
        if keyword == "FROM":
            m = re.match(r"(\S+)(?: AS (\S+))?", args, re.I)
            stages.append(Stage(m.group(1), m.group(2)))
        elif stages:
            stages[-1].instructions.append((keyword, args))
    return stages
