@requires-temporal @requires-llm @api
Feature: Pausing, resuming and terminating an execution
  As a person watching an agent at work
  I want to hold an execution, let it go on, or stop it for good
  So that nothing happens while I look, and nothing more once I have stopped it

  Background:
    Given the calculator tool server is running and registered as "calculator"
    And I have applied the "agents/with-approval" manifests

  Scenario: A paused execution holds an approved call until it is resumed
    The pause lasts longer than Temporal trusts a silent agent-runner (5 seconds), so the
    runner must keep its work alive while it waits: one attempt, no retry.

    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    When I pause the execution
    And I approve the call waiting for my approval
    Then the execution is paused
    And it stays paused for 7 seconds without running the "add" tool of the "calculator" server
    When I resume the execution
    Then the execution completes
    And the "add" tool of the "calculator" server ran once, after my decision
    And the agent called the "add" tool of the "calculator" server
    And the agent-runner finished it on its first attempt

  Scenario: A terminated execution stops its work in Temporal
    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    When I terminate the execution
    Then the execution ends terminated
    And Temporal terminated its work and it changes no more
    And the "add" tool of the "calculator" server never ran
