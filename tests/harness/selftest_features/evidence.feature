@selftest @phase2 @requires-temporal @requires-llm
Feature: A failed scenario leaves its evidence behind
  This feature fails on purpose. tests/harness/scenario/test_failure_artifacts.py runs it to prove that
  a failed scenario leaves JUnit XML, the HTML report and an artifacts folder (service logs,
  execution transcript, CLI commands, prerequisite report), with every secret masked.

  Scenario: A scenario that fails after running an agent with a secret
    Given I have applied the "agents/with-env" manifests
    When I start the agent "env-aware" from the command line with the self-test secret
    Then the command succeeds
    And the execution it started completes
    And this scenario fails on purpose, quoting the secret
