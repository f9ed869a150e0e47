@phase2 @requires-temporal @requires-llm @api
Feature: Giving an agent runtime values and secrets
  As an agent author
  I want to hand an agent values and secrets when I run it
  So that one agent can serve many contexts without leaking credentials

  Background:
    Given I have applied the "agents/with-env" manifests

  Scenario: A runtime value reaches the agent
    When I run the agent "env-aware" with the message "Say hello to me using my name." and these runtime values:
      | name          | value | secret |
      | GREETING_NAME | Ada   | no     |
    Then the execution completes
    And the agent's answer mentions "Ada"

  @cli
  Scenario: A secret never appears in messages, service logs, reports or the command line
    When I run the agent "env-aware" with the message "Tell me the service token." and these runtime values:
      | name          | value                    | secret |
      | GREETING_NAME | Ada                      | no     |
      | SERVICE_TOKEN | tok-7f3a9c-never-show-me | yes    |
    Then the execution completes
    And its execution context hands the agent-runner each runtime value as given, secrets marked
    And no message of the execution contains "tok-7f3a9c-never-show-me"
    And no service log contains "tok-7f3a9c-never-show-me"
    When I show the execution from the command line as yaml
    Then it shows the execution with its secret values masked
