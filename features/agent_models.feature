@phase2 @requires-temporal @requires-llm @api
Feature: Choosing the model an execution uses
  As an agent author
  I want to choose the model per execution
  So that I can compare models without redeploying the agent

  Background:
    Given I have applied the "agents/basic" manifests

  Scenario: An execution runs on the model it asks for
    When I run the agent "greeter" with the message "Good morning!" on the configured model
    Then the execution completes
    And the execution reports the model it used

  Scenario: The model is recorded under the name the execution asked for
    The same model under another of its names: the record must show the name asked for,
    not the agent-runner's default.

    When I run the agent "greeter" with the message "Good morning!" on the configured model under its full name
    Then the execution completes
    And the execution reports the model it used

  Scenario: The tokens an execution reports are those of its own prompt and answer
    A message 300 words longer is read as at least 300 more tokens (every word is one token
    or more), more than the agent-runner lets the model produce in one answer (256), so
    counts of the answers cannot pass for counts of the prompts.

    When I run the agent "greeter" with the message "Good morning!"
    And I run the agent "greeter" with a message 300 words longer than "Good morning!"
    Then the later of the last two executions read at least 300 more tokens than the earlier

  Scenario: An unknown model fails the execution with a clear message
    When I run the agent "greeter" with the message "Say hello" on the model "no-such-model:1b"
    Then the execution fails
    And its failure message mentions "no-such-model:1b"
