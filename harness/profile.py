"""Target profiles: the one place that says what differs between Stigmer builds.

A profile says how a server of that build is started and configured (environment variables,
as Stigmer's servers read them; the reference server's extra flags only for the reference),
how readiness is known (a real RPC answering; the health service only where one is served),
which CLI dialect its command line speaks, which limits it has, which API generation it
speaks, and which behaviours the suite asserts that only the reference stack has.

Selected with ``-D profile=NAME`` (``STIGMER_E2E_PROFILE``); ``reference`` by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The tag of scenarios (or Examples) asserting behaviour only the reference stack has.
REFERENCE_ONLY_TAG = "reference-only"
#: ``@ref:<behaviour>`` names which reference-only behaviour a tagged scenario asserts.
BEHAVIOUR_TAG_PREFIX = "ref:"

#: API generations (see docs/compatibility.md).
G1 = "G1"  # January 2026 Go server: old ApiResourceReference numbering, no SearchService
G2 = "G2"  # stigmer / stigmer-protos 3.x on PyPI: agent executions (what the suite drives)
G3 = "G3"  # late 2026 TypeScript server: AgentExecution became Run (ai.stigmer.agentic.run.v1)
GENERATION_NAMES = {
    G1: "the January 2026 API (G1)",
    G2: "the 3.x agent-execution API (G2)",
    G3: "the run API (G3)",
}
#: The generation this suite's steps drive.
DRIVEN_GENERATION = G2

#: Behaviours the suite asserts that hold on the reference stack; key -> why only there.
REFERENCE_ONLY_BEHAVIOURS: Mapping[str, str] = {
    "name-rule": "the reference server refuses the name \"Invalid Name!\"; Stigmer's servers "
                 "need not (the January one turns it into the slug invalid-name and accepts "
                 "it: the SDK enforces the rule, client-side)",
    "message-limit": "the 4 MiB request limit is the reference server's (Stigmer's January "
                     "server accepts gRPC messages up to 10 MB)",
    "egress-guard": "the guard refusing workflow HTTP calls to internet hosts is the reference "
                    "workflow runner's (Stigmer's zigflow runner has none)",
    "api-key": "an API key required in local mode is the reference server's option (Stigmer's "
               "local mode has no API-key check)",
    "error-wording": "asserts the exact wording of the reference stack's errors; other builds "
                     "word them differently",
    "health-service": "the reference server serves grpc.health.v1; Stigmer's servers do not",
    "hidden-runner-env": "the reference workflow runner hides its own process environment from "
                         "jq (env, $ENV); whether Stigmer's workflow runner does is not known",
    "workflow-validation": "the reference server validates workflow tasks on apply, in its own "
                           "words (Stigmer's January server has no workflow validateSpec)",
    "mcp-transport": "the reference server refuses an MCP server whose http url is not http(s) "
                     "(the protos only ask for a URI; whether Stigmer's servers check more is not "
                     "known)",
    "cli-commands": "the reference CLI's delete, get -o, list and cancel commands and their "
                    "tables; which of them Stigmer's own CLIs have, and how they print them, is "
                    "not known",
    "secrets-outside-history": "the reference server resolves a workflow's secrets inside the "
                               "activities that need them, so they never enter Temporal's "
                               "history; whether Stigmer's workflow engine does is not known",
}

#: Stigmer's server settings (environment variables), as G1 and G3 read them.
SERVER_ENV = ("GRPC_PORT", "DB_PATH", "STORAGE_PATH", "LOG_LEVEL", "ENV", "TEMPORAL_HOST_PORT",
              "TEMPORAL_NAMESPACE")


class ProfileError(ValueError):
    """An unknown profile name; the message lists the known ones."""


@dataclass(frozen=True)
class TargetProfile:
    """What the harness needs to know about one Stigmer build."""

    name: str
    description: str
    generation: str
    reference_flags: bool  # pass the reference server's extra flags (hosts, runner timeouts)
    health_service: bool  # serves grpc.health.v1 (readiness never depends on it)
    cli_dialect: str  # `current` | `january` (harness/stigmer/cli.py)
    max_message_bytes: int
    api_key_in_local_mode: bool  # the server can be made to require an API key
    #: reference-only behaviours this build shares (the reference profile: all of them)
    shares: frozenset[str] = field(default_factory=frozenset)
    #: exit codes of this build's CLI beyond its dialect's (a refusal kind -> its code)
    cli_exit_codes: Mapping[str, int] = field(default_factory=dict)

    def server_env(self, *, port: int, data_dir: Path, temporal_address: str = "",
                   temporal_namespace: str = "default", log_level: str = "info") -> dict[str, str]:
        """The environment a server of this build is configured by."""
        env = {
            "GRPC_PORT": str(port),
            "DB_PATH": str(data_dir / "stigmer.db"),
            "STORAGE_PATH": str(data_dir),
            "LOG_LEVEL": log_level,
            "ENV": "local",
            "TEMPORAL_NAMESPACE": temporal_namespace,
        }
        if temporal_address:
            env["TEMPORAL_HOST_PORT"] = temporal_address
        return env

    def skip_reason(self, tags: list[str]) -> str | None:
        """Why a scenario with ``tags`` cannot hold on this build (None: it can)."""
        if REFERENCE_ONLY_TAG not in tags:
            return None
        keys = [tag.removeprefix(BEHAVIOUR_TAG_PREFIX) for tag in tags
                if tag.startswith(BEHAVIOUR_TAG_PREFIX)]
        missing = [key for key in keys if key not in self.shares]
        if keys and not missing:
            return None
        if not keys and self.shares >= REFERENCE_ONLY_BEHAVIOURS.keys():
            return None
        reasons = [REFERENCE_ONLY_BEHAVIOURS.get(key, f"unknown behaviour {key!r}")
                   for key in missing] or ["asserts behaviour only the reference stack has"]
        return (f"@reference-only on profile {self.name}: " + "; ".join(reasons))


PROFILES: Mapping[str, TargetProfile] = {
    "reference": TargetProfile(
        name="reference", generation=G2,
        description="the project's reference stack (python -m reference.server)",
        reference_flags=True,
        health_service=True, cli_dialect="current", max_message_bytes=4 * 1024 * 1024,
        api_key_in_local_mode=True, shares=frozenset(REFERENCE_ONLY_BEHAVIOURS),
        cli_exit_codes={"unreachable": 3},  # the reference CLI: 3 when no server answers
    ),
    "stigmer-g2": TargetProfile(
        name="stigmer-g2", generation=G2,
        description="a Stigmer server speaking the PyPI 3.x contract (stigmer-protos 3.41)",
        reference_flags=False, health_service=False,
        cli_dialect="current", max_message_bytes=4 * 1024 * 1024,
        api_key_in_local_mode=False,
    ),
    "january": TargetProfile(
        name="january", generation=G1,
        description="Stigmer's January 2026 Go server and CLI (G1)",
        reference_flags=False, health_service=False,
        cli_dialect="january", max_message_bytes=10 * 1000 * 1000,
        api_key_in_local_mode=False,
    ),
    "stigmer-g3": TargetProfile(
        name="stigmer-g3", generation=G3,
        description="Stigmer's late-2026 TypeScript server (run API, G3)",
        reference_flags=False, health_service=False,
        cli_dialect="current", max_message_bytes=4 * 1024 * 1024,
        api_key_in_local_mode=False,
    ),
}
#: Other names people use for the same builds.
ALIASES = {"stigmer-local": "stigmer-g2", "g1": "january", "g2": "stigmer-g2",
           "g3": "stigmer-g3"}


def get_profile(name: str) -> TargetProfile:
    """The profile called ``name`` (or one of its aliases)."""
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in PROFILES:
        known = ", ".join([*PROFILES, *ALIASES])
        raise ProfileError(f"profile={name!r} is not a known Stigmer build: use one of {known}")
    return PROFILES[key]


def cli_dialect_for(explicit: str, profile: TargetProfile) -> str:
    """The CLI dialect to drive: an explicit ``cli_dialect`` setting, else the profile's."""
    return explicit if explicit and explicit != "auto" else profile.cli_dialect
