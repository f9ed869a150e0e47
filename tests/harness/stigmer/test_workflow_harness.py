"""The harness side of workflows: manifests -> SDK input, and the fixture HTTP API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from harness.config import REPO_ROOT
from harness.doubles.fixture_http import FixtureHttpServer
from harness.stigmer.inputs import workflow_input_from_proto
from harness.stigmer.manifests import load_manifests

FIXTURES = REPO_ROOT / "features" / "fixtures" / "workflows"


def test_every_workflow_fixture_converts_to_sdk_input() -> None:
    manifests = [m for d in FIXTURES.iterdir() for m in load_manifests(d)]
    assert len(manifests) >= 12
    for manifest in manifests:
        sdk_input = workflow_input_from_proto(manifest.to_proto(org="o"))
        proto = sdk_input._to_proto()
        assert proto.metadata.name == manifest.name and proto.spec.tasks
        assert proto.spec.document.dsl == "1.0.0"


def test_export_and_flow_survive_the_conversion() -> None:
    (pipeline,) = load_manifests(FIXTURES / "dependencies")
    proto = workflow_input_from_proto(pipeline.to_proto(org="o"))._to_proto()
    tasks = {t.name: t for t in proto.spec.tasks}
    assert tasks["extract"].flow.then == "transform"
    assert getattr(tasks["transform"].export, "as") == "${ {transformed: .} }"


def test_fixture_http_server_routes() -> None:
    server = FixtureHttpServer().start()
    try:
        with urllib.request.urlopen(server.url() + "/users/3", timeout=5) as response:
            assert json.load(response)["name"] == "User 3"
        with urllib.request.urlopen(server.url() + "/items", timeout=5) as response:
            assert sum(i["price"] for i in json.load(response)) == 15
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(server.url() + "/fail", timeout=5)
        assert caught.value.code == 500
        assert server.requests[:2] == ["GET /users/3", "GET /items"]
    finally:
        server.stop()
