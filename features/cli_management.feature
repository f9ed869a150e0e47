@cli @reference-only @ref:cli-commands
Feature: Looking after agents and executions from the command line
  As an operator working in a terminal
  I want to read, list, cancel and delete from the command line
  So that I can look after my agents without writing code

  Every check compares what the command printed or did with what Stigmer's API holds.

  Background:
    Given I have applied the "agents/basic" manifests

  @phase1
  Scenario: Deleting an agent from the command line removes it and leaves the others
    When I delete the agent "greeter" from the command line
    Then the command succeeds
    And it names the agent "greeter" it deleted, with its identifier
    And the agent "greeter" does not exist
    And my agents are unchanged

  @phase1
  Scenario Outline: Reading an agent from the command line shows what Stigmer stores: <output>
    When I read the agent "helper-with-profile" from the command line as <output>
    Then the command succeeds
    And it shows the agent "helper-with-profile" as Stigmer stores it

    Examples:
      | output |
      | table  |
      | yaml   |
      | json   |

  @phase1
  Scenario: Listing the agents from the command line shows exactly my organization's
    When I list the agents from the command line
    Then the command succeeds
    And it lists exactly the agents of my organization, each with its identifier

  @phase2 @requires-temporal @requires-llm
  Scenario: Listing one agent's executions from the command line leaves the others out
    Given I have run the agent "greeter" with the message "Say hello" to completion
    And I have run the agent "helper-with-profile" with the message "Say hello" to completion
    When I list the executions of the agent "greeter" from the command line
    Then the command succeeds
    And it lists exactly the executions of the agent "greeter", each with its phase and number of messages

  @phase2 @requires-temporal @requires-llm
  Scenario: Cancelling a running execution from the command line stops it
    Given I have applied the "agents/storyteller" manifests
    When I start the agent "storyteller" from the command line with the message "Tell me a very long story about the sea"
    And I cancel the execution from the command line once it is running
    Then the command succeeds
    And it names the execution it cancelled and the phase "CANCELLED"
    And the execution ends cancelled
    And the execution explains that it was cancelled
    And the workflow engine stopped the execution and the agent-runner stopped working on it
