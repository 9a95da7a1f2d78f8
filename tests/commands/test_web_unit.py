"""Starting the page at the desk: `serve` needs a clinic, and `--write-unit` writes a
systemd user unit that systemd itself accepts (systemd-analyze verify)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import copy_clinic
from handouts.cli import main


def test_serve_without_a_clinic_refuses(capsys):
    assert main(["serve"]) == 1
    assert capsys.readouterr().err == (
        "handouts: handouts serve needs --clinic DIR, your clinic's folder (e.g. --clinic "
        "clinics/myclinic); to try the page with the fictional demo clinic: --clinic "
        "clinics/demo\n")


def test_write_unit_with_the_clinic_folder_and_port(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    clinic = copy_clinic(tmp_path / "my clinic 100%")  # a space and a % in the path
    assert main(["serve", "--clinic", str(clinic), "--port", "8123", "--write-unit"]) == 0
    out = capsys.readouterr().out
    unit = tmp_path / "config" / "systemd" / "user" / "handouts.service"
    assert out.startswith(f"Wrote {unit}\n")
    assert "systemctl --user daemon-reload && systemctl --user enable --now " \
           "handouts.service" in out and 'loginctl enable-linger "$USER"' in out
    text = unit.read_text()
    assert (f'ExecStart={sys.executable} -m handouts serve --clinic '
            f'"{tmp_path}/my clinic 100%%" --host 127.0.0.1 --port 8123') in text
    assert "WantedBy=default.target" in text and "Restart=on-failure" in text
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {"XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/bin:/bin"}

    def verify(path):
        return subprocess.run(["systemd-analyze", "verify", "--user", str(path)], env=env,
                              capture_output=True, text=True)

    check = verify(unit)
    assert check.returncode == 0 and check.stderr == "", check.stderr
    broken = tmp_path / "broken.service"  # the check can fail: a unit systemd would refuse
    broken.write_text(text.replace(f"ExecStart={sys.executable}", "ExecStart=no-such-python"))
    assert verify(broken).returncode != 0


def test_write_unit_refuses_a_clinic_that_would_not_start(capsys, clinic, tmp_path,
                                                          monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (clinic / "clinic.yaml").write_text("id: Bad Id\n")
    assert main(["serve", "--clinic", str(clinic), "--write-unit"]) == 1
    assert "clinic.yaml" in capsys.readouterr().err
    assert not (tmp_path / "config").exists()
