"""harness.stack.compose and harness.stack.docker_engine: pure logic, plus a real compose project
(``-m docker``: skipped with the reason when no engine or no locally built image)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.stack import compose, docker_engine
from harness.stack.compose import (
    ComposeError,
    ComposeProject,
    clean_stale_projects,
    parse_project_name,
    pid_alive,
    stale_projects,
    unique_project_name,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO_ROOT / "compose" / "docker-compose.e2e.yml"
TEMPORAL_IMAGE = os.environ.get("STIGMER_E2E_TEMPORAL_IMAGE", "stigmer-e2e/temporal:1.9.1")


def dead_pid() -> int:
    """The PID of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


# ----------------------------------------------------------------------------- naming
def test_unique_project_name_is_valid_unique_and_names_its_owner() -> None:
    first, second = unique_project_name(), unique_project_name()
    assert first != second
    for name in (first, second):
        assert compose.re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name)
        assert parse_project_name(name) == ("stigmer-e2e", os.getpid(), compose.host_id())


def test_unique_project_name_sanitises_the_prefix() -> None:
    name = unique_project_name("Stigmer E2E/CI", pid=42)
    assert name.startswith("stigmer-e2e-ci-42-")
    assert parse_project_name(name)[:2] == ("stigmer-e2e-ci", 42)


@pytest.mark.parametrize("name", ["stigmer-e2e", "stigmer-e2e-manual", "stigmer-e2e-12-abc",
                                  "other", "stigmer-e2e-12-zzzzzz-123456"])
def test_foreign_names_do_not_parse(name: str) -> None:
    assert parse_project_name(name) is None


def test_stale_projects_only_dead_owners_of_this_prefix_and_host() -> None:
    host = "abc123"
    names = [
        f"stigmer-e2e-100-{host}-000001",     # owner dead -> stale
        f"stigmer-e2e-200-{host}-000002",     # owner alive
        "stigmer-e2e-101-ffffff-000003",      # another host / PID namespace: not ours to judge
        f"stigmer-e2e-ci-102-{host}-000004",  # another prefix
        "stigmer-e2e",                        # not made by unique_project_name
        f"stigmer-e2e-103-{host}-000005",     # owner dead -> stale
    ]
    stale = stale_projects(names, "stigmer-e2e", is_alive=lambda pid: pid == 200,
                           this_host=host)
    assert stale == [f"stigmer-e2e-100-{host}-000001", f"stigmer-e2e-103-{host}-000005"]


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())


# ----------------------------------------------------------------------------- fake engine
class _Obj:
    def __init__(self, kind: str, project: str, removed: list[tuple[str, str]]) -> None:
        self.kind, self.project, self._removed = kind, project, removed
        self.labels = {compose.PROJECT_LABEL: project}
        self.attrs = {"Labels": self.labels}

    def remove(self, **_kwargs: object) -> None:
        self._removed.append((self.kind, self.project))


class _Collection:
    def __init__(self, items: list[_Obj]) -> None:
        self.items = items

    def list(self, all: bool = False, filters: dict | None = None) -> list[_Obj]:
        label = (filters or {}).get("label", "")
        if "=" in label:
            wanted = label.split("=", 1)[1]
            return [item for item in self.items if item.project == wanted]
        return list(self.items)


class FakeClient:
    def __init__(self, projects: dict[str, tuple[str, ...]]) -> None:
        self.removed: list[tuple[str, str]] = []
        kinds: dict[str, list[_Obj]] = {"container": [], "network": [], "volume": []}
        for project, present in projects.items():
            for kind in present:
                kinds[kind].append(_Obj(kind, project, self.removed))
        self.containers = _Collection(kinds["container"])
        self.networks = _Collection(kinds["network"])
        self.volumes = _Collection(kinds["volume"])


def test_clean_stale_projects_removes_everything_of_dead_owners_only() -> None:
    host = compose.host_id()
    dead, alive = f"stigmer-e2e-1-{host}-00000a", f"stigmer-e2e-2-{host}-00000b"
    orphan_network = f"stigmer-e2e-3-{host}-00000c"  # containers gone, network left
    client = FakeClient({
        dead: ("container", "container", "network", "volume"),
        alive: ("container", "network"),
        orphan_network: ("network",),
        "someone-else": ("container",),
    })
    removed = clean_stale_projects("stigmer-e2e", client, is_alive=lambda pid: pid == 2)
    assert removed == sorted([dead, orphan_network])
    assert sorted(client.removed) == sorted([
        ("container", dead), ("container", dead), ("network", dead), ("volume", dead),
        ("network", orphan_network),
    ])


# ----------------------------------------------------------------------------- project object
def test_invalid_project_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="invalid compose project name"):
        ComposeProject("Not Valid!", [COMPOSE_FILE])


def test_down_before_up_is_a_no_op_and_idempotent(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("down() before up() must not run docker")

    monkeypatch.setattr(subprocess, "run", forbidden)
    project = ComposeProject(unique_project_name(), [COMPOSE_FILE])
    project.down()
    project.down()
    with pytest.raises(ComposeError, match="already taken down"):
        project.up()


def test_progress_lines_are_dropped_from_failure_output() -> None:
    output = "\n".join([
        " Network p_e2e  Created",
        " Container p-temporal-1  Started",
        " Container p-temporal-1  Waiting",
        " Container p-agent-runner-1  Error response from daemon: No such image: x:1",
        "container p-agent-runner-1 is unhealthy",
    ])
    assert compose._problem_lines(output).splitlines() == [
        " Container p-agent-runner-1  Error response from daemon: No such image: x:1",
        "container p-agent-runner-1 is unhealthy",
    ]


# ----------------------------------------------------------------------------- docker_engine
def test_env_file_parsing(tmp_path: Path) -> None:
    env_file = tmp_path / "docker.env"
    env_file.write_text("# comment\n\nexport DOCKER_HOST='unix:///tmp/d.sock'\nBROKEN\nA=b=c\n")
    assert docker_engine.read_env_file(env_file) == {
        "DOCKER_HOST": "unix:///tmp/d.sock", "A": "b=c"}
    assert docker_engine.read_env_file(tmp_path / "missing.env") == {}


def test_docker_host_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / "docker.env"
    env_file.write_text("DOCKER_HOST=unix:///from/file.sock\n")
    with_file = {docker_engine.ENV_FILE_VAR: str(env_file)}
    assert docker_engine.docker_host(with_file) == "unix:///from/file.sock"
    assert docker_engine.docker_host({**with_file, "DOCKER_HOST": "tcp://x:2375"}) == (
        "tcp://x:2375")
    nothing = {docker_engine.ENV_FILE_VAR: str(tmp_path / "none.env")}
    assert docker_engine.docker_host(nothing) == docker_engine.DEFAULT_HOST


def test_probe_of_a_missing_engine_explains_instead_of_raising(tmp_path: Path) -> None:
    probe = docker_engine.probe_docker(
        timeout=1.0, environ={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert not probe.reachable
    assert probe.host == f"unix://{tmp_path}/no-docker.sock"
    assert probe.error


# ----------------------------------------------------------------------------- real engine
@pytest.fixture(scope="module")
def docker_client():
    probe = docker_engine.probe_docker(timeout=3.0)
    if not probe.reachable:
        pytest.skip(f"no Docker engine at {probe.host} ({probe.error}): "
                    "run scripts/provision-docker.sh")
    client = docker_engine.docker_client()
    try:
        client.images.get(TEMPORAL_IMAGE)
    except Exception:  # docker.errors.ImageNotFound
        client.close()
        pytest.skip(f"image {TEMPORAL_IMAGE} missing: run scripts/build-images.sh temporal")
    yield client
    client.close()


def _leftovers(client, project: str) -> list[str]:
    label = {"label": f"{compose.PROJECT_LABEL}={project}"}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=label)]
            + [f"network {n.name}" for n in client.networks.list(filters=label)]
            + [f"volume {v.name}" for v in client.volumes.list(filters=label)])


@pytest.mark.docker
def test_temporal_comes_up_healthy_answers_and_leaves_nothing(docker_client, tmp_path) -> None:
    project = ComposeProject(unique_project_name(), [COMPOSE_FILE], {}, tmp_path / "logs",
                             wait_timeout=90)
    try:
        project.up(["temporal"])
        assert project.health() == {"temporal": "healthy"}
        host, port = project.port("temporal", 7233)
        assert host == "127.0.0.1"
        with socket.create_connection((host, port), timeout=5):
            pass
        written = project.logs()
        assert tmp_path / "logs" / "temporal.log" in written
        assert (tmp_path / "logs" / "temporal.log").stat().st_size > 0
    finally:
        project.down()
    project.down()  # idempotent
    assert _leftovers(docker_client, project.project_name) == []


@pytest.mark.docker
def test_stale_project_of_a_dead_owner_is_cleaned(docker_client) -> None:
    prefix = "stigmer-e2e-stale-test"
    name = unique_project_name(prefix, pid=dead_pid())
    project = ComposeProject(name, [COMPOSE_FILE], {}, wait_timeout=90, clean_stale=False)
    try:
        project.run("up", "-d", "--no-start", "temporal")  # resources exist, nothing runs
        assert _leftovers(docker_client, name)
        assert name in clean_stale_projects(prefix, docker_client)
        assert _leftovers(docker_client, name) == []
    finally:
        compose.remove_project_resources(docker_client, name)
