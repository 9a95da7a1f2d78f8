"""requirements.lock pins, with hashes, every requirement pyproject.toml names, inside its
range; pyproject.toml keeps ranges for people who install the package."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version

from conftest import ROOT

LOCK = ROOT / "requirements.lock"


def locked() -> dict[str, tuple[Version, int]]:
    """{name: (version, number of hashes)} for every pin of the lock."""
    pins: dict[str, tuple[Version, int]] = {}
    entries = re.split(r"\n(?=\S)", LOCK.read_text(encoding="utf-8"))
    for entry in entries:
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", entry)
        if m:
            name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
            pins[name] = (Version(m.group(2)), entry.count("--hash=sha256:"))
    return pins


def wanted() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["test"]
    names += data["dependency-groups"]["dev"] + data["build-system"]["requires"]
    return [Requirement(n) for n in names]


def test_every_requirement_is_pinned_with_hashes_inside_its_range():
    pins = locked()
    assert len(pins) > 40
    problems = []
    for req in wanted():
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name not in pins:
            problems.append(f"{req}: not in the lock (run `make lock`)")
        elif not req.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{req}: locked at {pins[name][0]} (run `make lock`)")
    assert problems == []
    assert [n for n, (_, hashes) in pins.items() if hashes == 0] == []


def test_pyproject_keeps_ranges_not_pins():
    assert [str(r) for r in wanted() if any(s.operator == "==" for s in r.specifier)] == []
