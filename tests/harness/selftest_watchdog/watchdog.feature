@selftest
Feature: A stuck scenario fails alone, within its limit, with its artifacts
  tests/harness/scenario/test_watchdog_run.py runs this feature with a short watchdog limit (or a short
  call deadline). The first scenario freezes the Stigmer server (SIGSTOP) and then asks it for
  its agents: the call never gets an answer. The second one runs after it, on the thawed
  server, and must pass.

  Scenario: A scenario whose server stops answering
    Given the Stigmer server stops answering until the scenario ends
    When I list the agents of my organization
    Then the scenario got an answer

  Scenario: The scenario after a stuck one still runs
    When I list the agents of my organization
    Then the scenario got an answer
