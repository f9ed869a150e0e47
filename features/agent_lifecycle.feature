@phase2 @requires-temporal @requires-llm @api
Feature: Controlling running executions
  As an operator
  I want to cancel executions and trust that long or many executions finish
  So that the platform stays under control under real use

  Background:
    Given I have applied the "agents/storyteller" manifests
    And I have applied the "agents/basic" manifests

  Scenario: A running execution can be cancelled
    When I run the agent "storyteller" with the message "Tell me a very long story about the sea"
    And I cancel the execution once it is running
    Then the execution ends cancelled
    And the execution explains that it was cancelled
    And the workflow engine stopped the execution and the agent-runner stopped working on it

  Scenario: A finished execution can no longer change
    Given I have run the agent "greeter" with the message "Say hello" to completion
    When a status update is sent to the finished execution
    Then every update is refused because the execution has finished
    And the finished execution is unchanged

  @slow
  Scenario: Ten executions started at once all finish
    When I run the agent "greeter" 10 times at once with the message "Say hello"
    Then all 10 executions finish
    And none of them is lost

  @slow
  Scenario: A long execution stays alive through heartbeats
    When I run the agent "storyteller" with the message "Tell me a very long story about a lighthouse keeper"
    Then the execution completes
    And it ran longer than the time a silent agent-runner is trusted
    And the agent-runner finished it on its first attempt
