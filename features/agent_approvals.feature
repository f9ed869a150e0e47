@requires-temporal @requires-llm @api
Feature: Tools that wait for a person's approval
  As an agent author
  I want chosen tools of my agent to run only after a person approved each call
  So that an agent cannot act on systems by itself where it matters

  Background:
    Given the calculator tool server is running and registered as "calculator"
    And I have applied the "agents/with-approval" manifests

  Scenario: An approved call runs only after the approval
    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    And it still waits for my approval 3 seconds later, and nothing moved
    And the "add" tool of the "calculator" server has not run
    When I approve the call waiting for my approval
    Then the execution completes
    And the "add" tool of the "calculator" server ran once, after my decision
    And the agent called the "add" tool of the "calculator" server
    And the tool's result is what the calculator server answers for those arguments
    And my decision is recorded on the execution

  Scenario: A skipped call never runs and the agent goes on without it
    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    When I skip the call waiting for my approval
    Then the agent went on without the "add" tool and answered
    And the "add" tool of the "calculator" server never ran
    And my decision is recorded on the execution

  Scenario: A rejected call never runs
    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    When I reject the call waiting for my approval
    Then the execution stops there, without a failure
    And the "add" tool of the "calculator" server never ran
    And my decision is recorded on the execution

  Scenario: A tool that needs no approval runs without waiting
    When I run the agent "careful-calculator" with the message "What time is it in Paris? Use the get_time_in_city tool." and follow it
    Then the execution completes
    And it never waited for an approval
    And the agent called the "get_time_in_city" tool of the "calculator" server
    And the tool's result is what the calculator server answers for those arguments

  Scenario: Only the agent that marks the tool waits; another agent runs the same tool at once
    Given I have applied the "agents/with-mcp" manifests
    When I run the agent "careful-calculator" with the message "Use the add tool to add 3817 and 6604."
    Then the execution waits for my approval of the "add" tool
    And the "add" tool of the "calculator" server has not run
    When I run the agent "calculator-user" with the message "Use the add tool to add 1234 and 4321." and follow it
    Then the execution completes
    And it never waited for an approval
    And the agent called the "add" tool of the "calculator" server
    When I turn back to the execution of the agent "careful-calculator"
    Then it still waits for my approval 2 seconds later, and nothing moved
    When I approve the call waiting for my approval
    Then the execution completes
    And the "add" tool of the "calculator" server ran once, after my decision
    And my decision is recorded on the execution
