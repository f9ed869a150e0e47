"""Process behaviour: flags, ready lines, clean exit on SIGTERM, no model -> clear error."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.reference.llm.llm_server_proc import REPO_ROOT, start_server


def test_two_hosts_alias_and_sigterm_exit_zero(tmp_path: Path) -> None:
    server = start_server(tmp_path / "llm.log", "--host", "127.0.0.1", "--host", "127.0.0.2",
                          "--alias", "tiny:latest", "--threads", "1", "--num-ctx", "1024")
    try:
        assert server.host == "127.0.0.1" and server.port > 0
        assert server.process.stdout is not None
        assert server.process.stdout.readline().strip() == f"listening on 127.0.0.2:{server.port}"
        for host in ("127.0.0.1", "127.0.0.2"):
            url = f"http://{host}:{server.port}/api/tags"
            with urllib.request.urlopen(url, timeout=5) as response:
                names = [m["name"] for m in json.loads(response.read())["models"]]
            assert names == ["smollm2:135m", "tiny:latest"]
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0
    assert "shutting down" in server.log.read_text()


def test_missing_model_file_fails_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reference.llm", "--model-path", str(tmp_path / "none.gguf")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "model file not found" in result.stderr
    assert "listening on" not in result.stdout


def test_parallel_must_be_positive() -> None:
    result = subprocess.run([sys.executable, "-m", "reference.llm", "--parallel", "0"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--parallel must be at least 1" in result.stderr
    assert "listening on" not in result.stdout
