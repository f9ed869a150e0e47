"""Steps about who can reach the platform: API keys, and where its services listen."""

from __future__ import annotations

import secrets
from pathlib import Path

from behave import given, then, when
from google.protobuf import json_format, text_format
from hamcrest import assert_that, contains_string, empty, equal_to, is_, is_not

from harness.checks.secret_scan import forms_in, remember_secret, scan_files
from harness.checks.security import call_without_key, exposed, listeners, published_ports
from harness.doubles.secured_server import SecuredServer
from harness.stigmer.client import StigmerApi
from harness.stigmer.executions import RuntimeValue


@given("a Stigmer server that requires an API key")
def step_secured_server(context) -> None:
    world, stack = context.world, context.stack
    log_dir = Path(stack.info.log_dir) if stack.info.log_dir else context.run_dir / "logs"
    server = SecuredServer(context.suite_config, log_dir)
    reason = server.skip_reason()
    if reason:
        context.scenario.skip(reason=reason)
        return
    context.add_cleanup(server.stop)
    world.secured = server.start()
    world.redactor.add(server.key)


def _list_agents_api(address: str, key: str, org: str) -> str:
    api = StigmerApi(address, key, org)
    try:
        api.agents.slugs()
        return ""
    except Exception as error:  # StigmerError: its code and message are the answer
        return f"{getattr(error, 'code', type(error).__name__)}: {error}"
    finally:
        api.close()


@when("I list the agents through {route} with {credentials}")
def step_list_with(context, route: str, credentials: str) -> None:
    world = context.world
    secured = world.secured
    assert secured is not None, "no secured server was started"
    key = {"a wrong API key": "not-the-key", "the right API key": secured.key,
           "no API key": ""}[credentials]
    if route == "the API":
        if key:
            context.world.answer = _list_agents_api(secured.address, key, world.org)
        else:
            error = call_without_key(secured.address)
            context.world.answer = f"{error.code().name}: {error.details()}"
    elif route == "the command line":
        assert key, "the command line always sends a key"
        result = world.cli.at(secured.address, key).list("agents", timeout=30)
        world.last_cli = result
        context.world.answer = "" if result.exit_code == 0 else f"exit {result.exit_code}: " \
            f"{result.stderr}"
    else:
        raise AssertionError(f"unknown route {route!r}")


@then('I am refused as unauthenticated, with an error saying "{text}"')
def step_refused_unauthenticated(context, text: str) -> None:
    answer = context.world.answer
    assert_that(answer, is_not(equal_to("")), "the call was served without a valid key")
    if not answer.startswith("exit "):
        assert_that(answer, contains_string("UNAUTHENTICATED"))
    assert_that(answer, contains_string(text))


@then("I am served")
def step_served(context) -> None:
    assert_that(context.world.answer, is_(equal_to("")))


@then("every service of the platform listens only on this machine")
def step_listens_locally(context) -> None:
    stack = context.stack
    pids = stack.local_pids()
    if not pids:
        context.scenario.skip(reason="the services do not run on this machine")
        return
    found = listeners(pids)
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(found, is_not(empty()), f"no listening socket found for {pids}")  # type: ignore[arg-type]
    assert_that([str(item) for item in exposed(found, [stack.info.gateway])], equal_to([]))
    context.world.answer = "\n".join(str(item) for item in found)


@then("the services in containers are published only on this machine")
def step_published_locally(context) -> None:
    containers = context.stack.containers()
    if not containers:
        return  # no containers: nothing is published
    published = published_ports(containers)
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(published, is_not(empty()))  # type: ignore[arg-type]
    assert_that([p for p in published if p[2] not in ("127.0.0.1", "::1")], equal_to([]))


@when('I run the agent "{slug}" with the message "{message}" and a secret "{name}" made for '
      'this run')
def step_run_with_fresh_secret(context, slug: str, message: str, name: str) -> None:
    world = context.world
    value = remember_secret(world)
    execution = world.api.agent_executions.run(world.agent(slug), message,
                              runtime_env={name: RuntimeValue(value, secret=True)})
    world.remember_execution(execution)


@when('I run the agent "{slug}" with the message "{message}" and the secret "{name}" set '
      'to a wrong token')
def step_run_with_wrong_token(context, slug: str, message: str, name: str) -> None:
    world = context.world
    wrong = f"wrong-{secrets.token_hex(8)}"
    world.redactor.add(wrong)
    execution = world.api.agent_executions.run(world.agent(slug), message,
                              runtime_env={name: RuntimeValue(wrong, secret=True)})
    world.remember_execution(execution)


def _record_texts(execution) -> str:
    """The execution as the API returns it, in every serialisation, without the runtime
    values the caller sent (Stigmer stores those, by design)."""
    record = type(execution)()
    record.CopyFrom(execution)
    record.spec.ClearField("runtime_env")
    return "\n".join((text_format.MessageToString(record, as_utf8=True),
                      json_format.MessageToJson(record),
                      record.SerializeToString().decode("utf-8", errors="replace")))


@then("no message of the execution contains the secret")
def step_no_message_has_secret(context) -> None:
    world = context.world
    execution = world.api.agent_executions.get(world.last_execution.metadata.id)
    secret = world.secrets.secret
    assert secret, "no secret was made for this run"
    leaking = [i for i, m in enumerate(execution.status.messages) if forms_in(m.content, secret)]
    assert_that(leaking, equal_to([]), "messages (by index) that contain the secret")
    assert_that(forms_in(_record_texts(execution), secret), equal_to([]),
                "forms of the secret in the execution's record (messages, tool calls, "
                "sub-agents, status)")


@then("no service log contains the secret")
def step_no_log_has_secret(context) -> None:
    """The service logs as the services wrote them so far (the harness masks its copies and,
    at the end of the run, the files: this looks before)."""
    logs = context.stack.log_files()
    # PyHamcrest types Matcher[T] as invariant: is_not(<matcher>) fails to unify
    assert_that(logs, is_not(empty()), "no service log was collected")  # type: ignore[arg-type]
    secret = context.world.secrets.secret
    assert secret, "no secret was made for this run"
    assert_that(scan_files(logs, secret), equal_to([]))
