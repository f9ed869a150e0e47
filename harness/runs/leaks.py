"""Leak guarantees: whatever a run starts, it stops; whatever a killed run left, the next removes.

* ``PidRegistry`` writes one JSON record per process the harness starts
  (``<run dir>/pids/<pid>.json``: PID, start time, a fingerprint of the command line, the
  command with secret flag values masked, owner PID and start time).
  The stack's processes run in their own sessions, so they survive a SIGKILL of behave; the
  records are how the next run recognises them.
* ``clean_stale_processes`` (next run start) stops recorded processes whose owner is gone, only
  when PID, start time and command line all still match (never an unrelated process).
  Temp dirs (``processes.TempDir``, e.g. the server's data) are recorded the same way
  (``<run dir>/tempdirs/``) and removed by the next run when their owner is gone.
* ``LeakGuard`` snapshots at run start (child processes of this process, compose projects) and
  ``verify()`` lists what this run started that is still alive after teardown: processes of
  this process tree, recorded processes, compose projects (containers, networks, volumes)
  named after this process. The caller fails the run when the list is not empty.

No behave import, no reference import.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from harness import processes
from harness.stack.compose import (
    clean_stale_projects,
    host_id,
    parse_project_name,
    project_names,
    remove_project_resources,
)
from harness.stack.docker_engine import docker_client
from harness.teardown import shielded

Progress = Callable[[str], None]
REGISTRY = "pids"
TEMPDIRS = "tempdirs"
#: Only directories with this name prefix are ever removed from a record.
TEMPDIR_PREFIX = "stigmer-e2e-"


class LeakError(RuntimeError):
    """Something this run started survived its teardown."""


# ----------------------------------------------------------------------------- processes
# psutil, not /proc: the same code runs on Linux and macOS.
def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except (psutil.Error, ValueError):
        return None


def start_ticks(pid: int) -> float | None:
    """When the process started (seconds since the epoch, as psutil tells it), or None when
    it does not exist. With the PID and the command line it tells a process from a reuse."""
    process = _process(pid)
    try:
        return round(process.create_time(), 2) if process else None
    except psutil.Error:
        return None


def parent_pid(pid: int) -> int | None:
    process = _process(pid)
    try:
        return process.ppid() if process else None
    except psutil.Error:
        return None


def is_running(pid: int) -> bool:
    """Exists and is not a zombie."""
    process = _process(pid)
    try:
        return process is not None and process.status() not in (psutil.STATUS_ZOMBIE,
                                                                 psutil.STATUS_DEAD)
    except psutil.Error:
        return False


def cmdline(pid: int) -> list[str]:
    process = _process(pid)
    try:
        return process.cmdline() if process else []
    except psutil.Error:
        return []


def all_pids() -> list[int]:
    return psutil.pids()


def descendants(root: int) -> set[int]:
    """Running processes below ``root`` in the process tree (not ``root`` itself)."""
    process = _process(root)
    try:
        children = process.children(recursive=True) if process else []
    except psutil.Error:
        return set()
    return {child.pid for child in children if is_running(child.pid)}


# ----------------------------------------------------------------------------- registry
SECRET_FLAG_WORDS = ("key", "token", "secret", "password")


def fingerprint(argv: list[str]) -> str:
    """A hash of a command line: identifies it without writing it (it may hold secrets)."""
    return hashlib.sha256("\0".join(argv).encode()).hexdigest()


def masked(argv: list[str]) -> str:
    """The command line for people, with the values of secret-looking flags masked."""
    shown: list[str] = []
    hide_next = False
    for arg in argv:
        flag, eq, _value = arg.partition("=")
        secret_flag = arg.startswith("-") and any(w in flag.lower() for w in SECRET_FLAG_WORDS)
        if hide_next:
            shown.append("***")
        elif secret_flag and eq:
            shown.append(f"{flag}=***")
        else:
            shown.append(arg)
        hide_next = secret_flag and not eq
    return " ".join(shown)


@dataclass(frozen=True)
class ProcessRecord:
    """A process the harness started, identified beyond its PID."""

    pid: int
    start: float
    fingerprint: str
    command: str
    name: str
    owner_pid: int
    owner_start: float

    def alive(self) -> bool:
        """The very same process still runs (PID reuse is told apart by start and cmdline)."""
        return (is_running(self.pid) and start_ticks(self.pid) == self.start
                and fingerprint(cmdline(self.pid)) == self.fingerprint)

    def owner_alive(self) -> bool:
        return is_running(self.owner_pid) and start_ticks(self.owner_pid) == self.owner_start

    def describe(self) -> str:
        return f"{self.name} (PID {self.pid}: {self.command[:120]})"


@dataclass
class PidRegistry:
    """``<run dir>/pids/<pid>.json`` for every process started during the run."""

    run_dir: Path
    owner_pid: int = field(default_factory=os.getpid)

    @property
    def path(self) -> Path:
        return self.run_dir / REGISTRY

    def record(self, pid: int, name: str, argv: list[str]) -> ProcessRecord | None:
        """Remember a just-started process (None when it already exited). ``argv`` is what
        it was started with: right after the fork, the OS still shows the parent's."""
        start = start_ticks(pid)
        owner_start = start_ticks(self.owner_pid)
        if start is None or owner_start is None:
            return None
        entry = ProcessRecord(pid, start, fingerprint(list(argv)), masked(list(argv)), name,
                              self.owner_pid, owner_start)
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / f"{pid}.json").write_text(json.dumps(asdict(entry)) + "\n")
        return entry

    def records(self) -> list[ProcessRecord]:
        return list(read_records([self.path]))

    def record_dir(self, path: Path) -> None:
        """Remember a temp dir this run made (removed by the next run if this one is killed)."""
        owner_start = start_ticks(self.owner_pid)
        folder = self.run_dir / TEMPDIRS
        folder.mkdir(parents=True, exist_ok=True)
        entry = {"path": str(path), "owner_pid": self.owner_pid, "owner_start": owner_start}
        (folder / f"{path.name}.json").write_text(json.dumps(entry) + "\n")

    def dirs(self) -> list[Path]:
        return [Path(entry["path"]) for _file, entry in read_dir_records([self.run_dir])]


def read_dir_records(run_dirs: Iterable[Path]) -> Iterable[tuple[Path, dict]]:
    for run_dir in run_dirs:
        for path in sorted((run_dir / TEMPDIRS).glob("*.json")):
            try:
                entry = json.loads(path.read_text())
                Path(entry["path"])
            except (OSError, ValueError, TypeError, KeyError):
                continue
            yield path, entry


def remove_temp_dir(path: Path) -> bool:
    """Remove a recorded temp dir (only one of ours, by its name); True when it existed."""
    if not path.name.startswith(TEMPDIR_PREFIX) or not path.is_dir():
        return False
    shutil.rmtree(path, ignore_errors=True)
    return True


def read_records(dirs: Iterable[Path]) -> Iterable[ProcessRecord]:
    for directory in dirs:
        for path in sorted(directory.glob("*.json")):
            try:
                yield ProcessRecord(**json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                continue


def stop_process_group(pid: int, grace: float = 3.0) -> None:
    """SIGTERM the process group led by ``pid`` (or the process), SIGKILL after ``grace``."""
    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)

    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and is_running(pid):
            time.sleep(0.05)
        if is_running(pid):
            send(signal.SIGKILL)


def clean_stale_processes(results_path: Path, progress: Progress = print) -> list[ProcessRecord]:
    """Stop processes recorded by earlier runs whose owner is gone; drop their records."""
    stopped: list[ProcessRecord] = []
    for directory in sorted(Path(results_path).glob(f"runs/*/{REGISTRY}")):
        for record in read_records([directory]):
            if record.owner_alive():
                continue
            if record.alive():
                progress(f"[leaks] stopping {record.describe()} left by the killed run "
                         f"{directory.parent.name}")
                stop_process_group(record.pid)
                stopped.append(record)
            with contextlib.suppress(OSError):
                (directory / f"{record.pid}.json").unlink()
    for record_file, entry in read_dir_records(sorted(Path(results_path).glob("runs/*"))):
        owner_alive = (is_running(entry["owner_pid"])
                       and start_ticks(entry["owner_pid"]) == entry["owner_start"])
        if owner_alive:
            continue
        if remove_temp_dir(Path(entry["path"])):
            progress(f"[leaks] removed temp dir {entry['path']} left by the killed run "
                     f"{record_file.parent.parent.name}")
        with contextlib.suppress(OSError):
            record_file.unlink()
    return stopped


def clean_stale_compose(prefix: str, progress: Progress = print) -> list[str]:
    """Remove compose projects of killed runs (best effort: no engine, nothing to do)."""
    try:
        client = docker_client(timeout=5)
    except Exception:
        return []
    try:
        removed = clean_stale_projects(prefix, client)
    except Exception as error:
        progress(f"[leaks] could not clean stale compose projects: {error}")
        return []
    finally:
        client.close()
    if removed:
        progress(f"[leaks] removed compose projects left by killed runs: {', '.join(removed)}")
    return removed


def own_compose_projects(names: Iterable[str], pid: int | None = None) -> list[str]:
    """Compose projects named after this process (``unique_project_name``) on this host."""
    pid = os.getpid() if pid is None else pid
    here = host_id()
    return sorted(name for name in names
                  if (parsed := parse_project_name(name)) and parsed[1] == pid
                  and parsed[2] == here)


def live_compose_projects() -> set[str] | None:
    """Every compose project with a container, network or volume; None without an engine."""
    try:
        client = docker_client(timeout=5)
    except Exception:
        return None
    try:
        return project_names(client)
    except Exception:
        return None
    finally:
        client.close()


# ----------------------------------------------------------------------------- the guard
@dataclass
class LeakGuard:
    """Snapshot at run start; ``verify()`` after teardown lists what survived."""

    registry: PidRegistry
    baseline: set[int] = field(default_factory=set)
    compose_projects: Callable[[], set[str] | None] = live_compose_projects

    @classmethod
    def begin(cls, run_dir: Path, results_path: Path, compose_prefix: str = "stigmer-e2e",
              progress: Progress = print, clean_compose: bool = True) -> LeakGuard:
        """Clean what killed runs left, then snapshot and start recording processes."""
        clean_stale_processes(results_path, progress)
        if clean_compose:
            clean_stale_compose(compose_prefix, progress)
        guard = cls(PidRegistry(run_dir), baseline=descendants(os.getpid()))
        processes.add_start_listener(guard.on_start)
        processes.add_tempdir_listener(guard.registry.record_dir)
        return guard

    def on_start(self, name: str, pid: int, argv: list[str]) -> None:
        self.registry.record(pid, name, argv)

    def leftovers(self) -> list[str]:
        """What this run started that is still alive, one sentence each."""
        found: list[str] = []
        recorded = {record.pid: record for record in self.registry.records()}
        for record in recorded.values():
            if record.alive():
                found.append(f"process {record.describe()}")
        for pid in sorted(descendants(os.getpid()) - self.baseline - set(recorded)):
            found.append(f"child process PID {pid}: {masked(cmdline(pid))[:120]}")
        found.extend(f"temp dir {path}" for path in self.registry.dirs() if path.exists())
        projects = self.compose_projects()
        for project in own_compose_projects(projects or ()):
            found.append(f"compose project {project} (containers, networks or volumes)")
        return found

    def verify(self, progress: Progress = print, clean: bool = True) -> list[str]:
        """Report leftovers (and, with ``clean``, remove them); returns the report lines.
        A signal meanwhile does not cut the cleaning short."""
        with shielded(progress, "leak check"):
            found = self.leftovers()
            for line in found:
                progress(f"[leaks] LEAK: {line}")
            if found and clean:
                self.clean()
        processes.remove_start_listener(self.on_start)
        processes.remove_tempdir_listener(self.registry.record_dir)
        return found

    def clean(self) -> None:
        """Stop whatever this run left (so a failed check does not leak either)."""
        for record in self.registry.records():
            if record.alive():
                stop_process_group(record.pid)
        for pid in descendants(os.getpid()) - self.baseline:
            stop_process_group(pid)
        for path in self.registry.dirs():
            remove_temp_dir(path)
        projects = self.compose_projects()
        if projects:
            with contextlib.suppress(Exception):
                client = docker_client(timeout=5)
                try:
                    for project in own_compose_projects(projects):
                        remove_project_resources(client, project)
                finally:
                    client.close()

