@phase2 @requires-temporal @requires-llm
Feature: Workflows that call agents
  As a workflow author
  I want a workflow to ask one of my agents, by name, and use its answer
  So that I can combine agents with the rest of my automation

  Background:
    Given I have applied the "agents/basic" manifests
    And I have applied the "workflows/agent-call" manifests

  @api
  Scenario: A workflow calls the greeter agent and keeps its answer
    When I run the workflow "greet-via-agent"
    Then the workflow execution completes
    And the answer of the agent "greeter" is kept in the result as "answer"

  @api
  Scenario: Several runs in a row give distinct executions
    When I run the workflow "greet-via-agent" 3 times in a row
    Then 3 distinct workflow executions completed, each with its own agent execution

  @api
  Scenario: A workflow whose agent fails fails too, at the agent's task
    The agent call asks for a model that no model server has, so the agent's own execution
    fails; the workflow must not carry on as if it had an answer.

    When I run the workflow "greet-on-missing-model"
    Then the workflow execution fails, saying the task "ask_greeter" failed
    And the workflow execution fails, saying "no-such-model:1b"
    And the task "after_answer" did not run
