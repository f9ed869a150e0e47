"""Steps about who can reach the platform: API keys, and where its services listen."""

from __future__ import annotations

import os
import secrets

from behave import given, then, when
from hamcrest import assert_that, contains_string, empty, equal_to, is_, is_not

from harness.config import REPO_ROOT
from harness.security import call_without_key, exposed, listeners, published_ports
from harness.stack.services import StigmerServerProcess
from harness.stigmer_api import RuntimeValue, StigmerApi


@given("a Stigmer server that requires an API key")
def step_secured_server(context) -> None:
    config, world = context.suite_config, context.world
    key = f"e2e-key-{secrets.token_hex(12)}"
    world.redactor.add(key)
    name = f"secured-server-{secrets.token_hex(3)}"
    server = StigmerServerProcess(
        config.server_argv, data_dir=context.run_dir / name,
        log_path=context.run_dir / "logs" / f"{name}.log", api_key=key, cwd=REPO_ROOT)
    context.add_cleanup(server.stop)
    server.start()
    context.secured = {"address": server.address, "key": key}


def _list_agents_api(address: str, key: str, org: str) -> str:
    api = StigmerApi(address, key, org)
    try:
        api.list_agents()
        return ""
    except Exception as error:  # StigmerError: its code and message are the answer
        return f"{getattr(error, 'code', type(error).__name__)}: {error}"
    finally:
        api.close()


@when("I list the agents through {route} with {credentials}")
def step_list_with(context, route: str, credentials: str) -> None:
    world, secured = context.world, context.secured
    key = {"a wrong API key": "not-the-key", "the right API key": secured["key"],
           "no API key": ""}[credentials]
    if route == "the API":
        if key:
            context.answer = _list_agents_api(secured["address"], key, world.org)
        else:
            error = call_without_key(secured["address"])
            context.answer = f"{error.code().name}: {error.details()}"
    elif route == "the command line":
        assert key, "the command line always sends a key"
        result = world.cli.at(secured["address"], key).list("agents", timeout=30)
        world.last_cli = result
        context.answer = "" if result.exit_code == 0 else f"exit {result.exit_code}: " \
            f"{result.stderr}"
    else:
        raise AssertionError(f"unknown route {route!r}")


@then('I am refused as unauthenticated, with an error saying "{text}"')
def step_refused_unauthenticated(context, text: str) -> None:
    answer = context.answer
    assert_that(answer, is_not(equal_to("")), "the call was served without a valid key")
    if not answer.startswith("exit "):
        assert_that(answer, contains_string("UNAUTHENTICATED"))
    assert_that(answer, contains_string(text))


@then("I am served")
def step_served(context) -> None:
    assert_that(context.answer, is_(equal_to("")))


@then("every service of the platform listens only on this machine")
def step_listens_locally(context) -> None:
    stack = context.stack
    pids = stack.local_pids() if hasattr(stack, "local_pids") else {}
    if not pids:
        context.scenario.skip(reason="the services do not run on this machine")
        return
    found = listeners(pids)
    assert_that(found, is_not(empty()), f"no listening socket found for {pids}")
    gateway = getattr(stack, "gateway", "")
    assert_that([str(item) for item in exposed(found, [gateway])], equal_to([]))
    context.answer = "\n".join(str(item) for item in found)


@then("the services in containers are published only on this machine")
def step_published_locally(context) -> None:
    compose = getattr(context.stack, "_compose", None)
    if compose is None:
        return  # no containers: nothing is published
    published = published_ports(compose.containers())
    assert_that(published, is_not(empty()))
    assert_that([p for p in published if p[2] not in ("127.0.0.1", "::1")], equal_to([]))


#: Lets a test that scans the run's files afterwards choose the secret
#: (tests/test_secrets_scan.py).
SECRET_ENV = "STIGMER_E2E_SCAN_SECRET"


@when('I run the agent "{slug}" with the message "{message}" and a secret "{name}" made for '
      'this run')
def step_run_with_fresh_secret(context, slug: str, message: str, name: str) -> None:
    world = context.world
    value = os.environ.get(SECRET_ENV) or f"sec-{secrets.token_hex(12)}"
    world.redactor.add(value)
    world.notes["secret"] = value
    execution = world.api.run(world.api.get_agent(slug), message,
                              runtime_env={name: RuntimeValue(value, secret=True)})
    world.remember_execution(execution)


@then("no message of the execution contains the secret")
def step_no_message_has_secret(context) -> None:
    world = context.world
    execution = world.api.execution(world.last_execution.metadata.id)
    secret = world.notes["secret"]
    leaking = [i for i, m in enumerate(execution.status.messages) if secret in m.content]
    assert_that(leaking, equal_to([]), "messages (by index) that contain the secret")
    assert secret not in execution.status.error
