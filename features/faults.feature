@phase2 @fault @requires-temporal @requires-llm @api
Feature: Staying reliable when a part of the platform fails
  As an operator
  I want executions to finish or fail clearly when a part of the platform fails,
  and the platform to recover by itself once that part is back
  So that no execution is ever stuck and one failure does not break the next run

  Each scenario repairs what it broke, even when it fails, so the scenarios after it run on
  a healthy platform.

  Background:
    Given the platform lets me break its parts on purpose
    And I have applied the "agents/basic" manifests

  @slow
  Scenario: An agent-runner that crashes mid-execution is replaced and the execution completes
    Given I have applied the "agents/storyteller" manifests
    When I run the agent "storyteller" with the message "Tell me a very long story about the sea"
    And the agent-runner crashes once the execution is running, and a new one starts
    Then the execution completes within 90 seconds
    And it finished after the crash

  Scenario: After the workflow engine restarts, new executions work
    Given I have run the agent "greeter" with the message "Say hello" to completion
    When the workflow engine restarts
    Then I can run the agent "greeter" with the message "Say hello" to completion
    # The engine keeps its history in memory: what it knew is lost, but the executions are
    # recorded by Stigmer itself and stay readable.
    And the execution finished before the restart is still completed with its answer

  Scenario: After the Stigmer server restarts, every agent and execution is still there
    Given I have run the agent "greeter" with the message "Say hello" to completion
    When the Stigmer server restarts
    Then the agent "greeter" kept its identifier
    And 2 agents exist
    And every agent is as it was before the restart
    And the execution finished before the restart is still completed with its answer
    And I can run the agent "greeter" with the message "Say hello" to completion

  @reference-only @ref:error-wording
  Scenario: When the model endpoint goes away, executions fail quickly and clearly
    Given the model endpoint has gone away
    When I run the agent "greeter" with the message "Say hello"
    Then the execution fails within 30 seconds
    And its failure message mentions "LLM endpoint"
    And its failure message mentions "unreachable"
    And its failure message names the model endpoint's address
    When the model endpoint is back
    Then I can run the agent "greeter" with the message "Say hello" to completion
