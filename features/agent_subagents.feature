@phase2 @requires-temporal @requires-llm @api
Feature: Delegating to sub-agents
  As an agent author
  I want my agent to hand parts of a request to its specialised sub-agents
  So that each part is done by the agent best suited to it

  Scenario: The agent delegates a task to its sub-agent
    Given I have applied the "agents/with-subagents" manifests
    When I run the agent "coordinator" with the message "Use the delegate_to_poet tool to write a poem about the sea."
    Then the execution completes
    And the agent delegated to its sub-agent "poet"
    And the sub-agent's answer is recorded as a tool result
    And the sub-agent's answer mentions "lighthouse" in any letter case
