"""Writing and reading files on real file systems: a full tmpfs, a read-only mount, a real
FIFO and device, a real `kill -9` in the middle of a write, a symlink out of the folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handouts.errors import FileError
from handouts.files import (
    PART_INFIX,
    atomic_write,
    hold,
    read_inside,
    remove_stale_parts,
)


def test_a_full_disk_is_a_message_and_keeps_the_old_file(small_disk):
    target = small_disk / "aftercare.pdf"
    atomic_write(target, b"old" * 1000)
    with pytest.raises(FileError) as exc:
        atomic_write(target, os.urandom(100_000))
    assert str(exc.value) == (f"{target}: cannot write: No space left on device; free some "
                              "space on that disk, or write somewhere else")
    assert target.read_bytes() == b"old" * 1000
    assert os.listdir(small_disk) == ["aftercare.pdf"]  # no temp file left


def test_a_read_only_folder_is_a_message(read_only_disk):
    with pytest.raises(FileError) as exc:
        atomic_write(read_only_disk / "old.pdf", b"%PDF new")
    assert str(exc.value) == (f"{read_only_disk / 'old.pdf'}: cannot write: Read-only file "
                              "system; write somewhere else, or mount that disk for writing")
    assert (read_only_disk / "old.pdf").read_bytes() == b"%PDF old"


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_only_regular_files_are_replaced(tmp_path, kind):
    target = tmp_path / "out.pdf"
    if kind == "fifo":
        os.mkfifo(target)
        expected = "is a FIFO, not a regular file; handouts writes only regular files"
    elif kind == "device":
        target = Path("/dev/null")
        expected = "is a device, not a regular file; handouts writes only regular files"
    else:
        target.mkdir()
        expected = "is a folder; give the name of a file to write"
    before = os.stat(target)
    with pytest.raises(FileError) as exc:
        atomic_write(target, b"%PDF")
    assert expected in str(exc.value)
    after = os.stat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_symlink_to_a_regular_file_is_replaced_by_the_file(tmp_path):
    (tmp_path / "real.pdf").write_bytes(b"old")
    (tmp_path / "link.pdf").symlink_to(tmp_path / "real.pdf")
    atomic_write(tmp_path / "link.pdf", b"new")
    assert (tmp_path / "link.pdf").read_bytes() == b"new"


# A process that stops in the middle of a write (its data written, not yet named) and
# says so; the test then kills it with SIGKILL. `named` forces the fallback of a file
# system without unnamed temp files.
WRITER = """
import os, sys, time
from pathlib import Path
from handouts import files
if sys.argv[2] == "named":
    files._write_unnamed = lambda path, data: False
real_fsync = os.fsync
def stop_here(fd):
    real_fsync(fd)
    print("writing", flush=True)
    time.sleep(600)
files.os.fsync = stop_here
files.atomic_write(Path(sys.argv[1]), b"%PDF Ana Maria " * 1000)
"""


def kill_in_the_middle_of_a_write(target: Path, how: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), how],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "writing\n"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_a_write_killed_with_sigkill_leaves_nothing(tmp_path):
    """The bytes (a personalised handout) were in an unnamed file: gone with the process."""
    kill_in_the_middle_of_a_write(tmp_path / "ana.pdf", "unnamed")
    assert os.listdir(tmp_path) == []


def test_a_killed_writers_named_temp_file_goes_at_the_next_write(tmp_path):
    kill_in_the_middle_of_a_write(tmp_path / "ana.pdf", "named")
    (stale,) = os.listdir(tmp_path)
    assert stale.startswith(f".ana.pdf{PART_INFIX}") and stale.endswith(".part")
    assert b"Ana Maria" in (tmp_path / stale).read_bytes()
    # Another file in the same folder, by a new process: its first write there sweeps.
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from handouts.files import atomic_write; "
                    "atomic_write(Path(sys.argv[1]), b'%PDF')", str(tmp_path / "other.pdf")],
                   check=True)
    assert os.listdir(tmp_path) == ["other.pdf"]


def test_a_temp_file_whose_writer_lives_is_kept(tmp_path):
    live = tmp_path / f".x.pdf{PART_INFIX}abcd1234.part"
    dead = tmp_path / f".y.pdf{PART_INFIX}efgh5678.part"
    other = tmp_path / ".z.pdf.part"  # not ours: never touched
    for p in (live, dead, other):
        p.write_bytes(b"x")
    fd = hold(live)  # as a writer holds its temp file
    try:
        assert remove_stale_parts(tmp_path) == [dead]
    finally:
        os.close(fd)
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name])


def test_a_file_linked_from_outside_its_folder_is_never_read(tmp_path):
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "evil.yaml").symlink_to("/etc/passwd")
    with pytest.raises(FileError) as exc:
        read_inside(tmp_path / "topics" / "evil.yaml", tmp_path / "topics")
    assert str(exc.value).endswith(f"is a link to /etc/passwd, outside {tmp_path / 'topics'}; "
                                   "put the file itself there instead")
    assert "root:" not in str(exc.value)


def test_a_fifo_is_refused_at_once_not_read(tmp_path):
    os.mkfifo(tmp_path / "stages.yaml")
    started = time.monotonic()
    with pytest.raises(FileError, match="is not a regular file"):
        read_inside(tmp_path / "stages.yaml", tmp_path)
    assert time.monotonic() - started < 5

