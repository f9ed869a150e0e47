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

  Scenario: A sub-agent runs on the model it asks for
    Its model exists on no model server: delegating to it fails, naming that model.

    Given I have applied the "agents/with-subagent-model" manifests
    When I run the agent "picky-coordinator" with the message "Use the delegate_to_poet tool to write a poem about the sea."
    Then the execution ends within 120 seconds
    And the sub-agent "poet" failed, naming the model "no-such-model:1b" it asked for
