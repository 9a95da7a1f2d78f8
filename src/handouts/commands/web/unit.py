"""`handouts serve --write-unit`: a systemd user unit that starts the page with the desk
computer, with the clinic folder and port in it (README, "Starting it at the desk")."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ...files import atomic_write
from ...inputs.clinic import Clinic

UNIT_NAME = "handouts.service"


def unit_path() -> Path:
    """Where systemd looks for this user's units: $XDG_CONFIG_HOME/systemd/user/."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user" / UNIT_NAME


def unit_text(clinic: Clinic, clinic_dir: Path, host: str, port: int) -> str:
    """The unit: this very Python (and so this install of handouts) serving `clinic_dir`."""
    command = [sys.executable, "-m", "handouts", "serve", "--clinic",
               str(Path(clinic_dir).resolve()), "--host", host, "--port", str(port)]
    return f"""\
# Written by `handouts serve --write-unit`; write it again after moving the clinic folder.
[Unit]
Description=Patient handouts page for {_escape(clinic.name)}
After=network.target

[Service]
Type=exec
ExecStart={" ".join(_quoted(part) for part in command)}
# Stopped by SIGTERM (systemctl --user stop): the page finishes and the workers end.
Restart=on-failure
RestartSec=5
# The access log (the journal) has method, path and status only, never patient details.

[Install]
WantedBy=default.target
"""


def write_unit(clinic: Clinic, clinic_dir: Path, host: str, port: int) -> Path:
    path = unit_path()
    atomic_write(path, unit_text(clinic, clinic_dir, host, port).encode("utf-8"))
    return path


def _escape(text: str) -> str:
    """systemd expands `%x` specifiers and `$NAME` in a unit; a clinic's name is text."""
    return text.replace("%", "%%").replace("$", "$$").replace("\n", " ")


def _quoted(word: str) -> str:
    """One word of ExecStart: quoted when it has spaces or quotes, with `%` and `$` kept."""
    word = _escape(word)
    if any(c in word for c in ' \t"\'\\;'):
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word
