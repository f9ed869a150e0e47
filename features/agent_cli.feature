@cli
Feature: Deploying and running agents from the command line
  As an agent author working in a terminal
  I want the stigmer command line to deploy and run my agents
  So that I can work without writing code

  @phase1 @smoke
  Scenario: Applying the basic agents from the command line
    When I apply the "agents/basic" manifests from the command line
    Then the command succeeds
    And it reports "Deployment successful"
    And it lists the agents "greeter, helper-with-profile"
    And 2 agents exist

  @phase1
  Scenario: Applying agents again from the command line updates them
    Given I have applied the "agents/basic" manifests
    When I apply the "agents/basic" manifests from the command line
    Then the command succeeds
    And it shows the action "Updated" for the agent "greeter"
    And it shows the action "Updated" for the agent "helper-with-profile"
    And 2 agents exist

  @phase1
  Scenario: A dry run shows what would be created and creates nothing
    When I dry-run the "agents/basic" manifests from the command line
    Then the command succeeds
    And it reports "Dry run successful"
    And it shows the action "Create" for the agent "greeter"
    And no agent exists

  @phase1 @reference-only @ref:name-rule
  Scenario: An agent with an invalid name is refused by the command line
    When I apply the "agents/invalid" manifests from the command line
    Then the command fails
    And its error mentions "Invalid Name!"
    And no agent exists

  @phase1
  Scenario: A dry run checks the protos' rules and creates nothing
    When I dry-run the "bad-input/short-instructions" manifests from the command line
    Then the command fails
    And its error names the field "spec.instructions" and the rule "string.min_len"
    And no agent exists

  @phase1 @seed-execution
  Scenario: Running an agent that does not exist is refused
    When I run the agent "does-not-exist" from the command line with the message "hello"
    Then the command is refused as not found
    And its error says no agent "does-not-exist" exists

  @phase2 @requires-temporal @requires-llm
  Scenario: Running an agent from the command line follows it to the end
    Given I have applied the "agents/basic" manifests
    When I run the agent "greeter" from the command line with the message "Say hello"
    Then the command succeeds
    And it reports "Agent execution started: greeter"
    And it prints the execution identifier
    And it shows the agent's answer as it streams
    And it reports the final phase "COMPLETED" with the count of messages

  @phase2 @requires-temporal @requires-llm
  Scenario: A run whose execution fails exits with an error and says why
    Given I have applied the "agents/basic" manifests
    When I run the agent "greeter" from the command line with the message "Say hello" on the model "no-such-model:1b"
    Then the command fails
    And its error mentions "no-such-model:1b"
    And it reports the final phase "FAILED"
    And the execution it started failed

  @phase2 @requires-temporal @requires-llm
  Scenario: Starting an agent from the command line without following it
    Given I have applied the "agents/basic" manifests
    When I start the agent "greeter" from the command line with the message "Say hello"
    Then the command succeeds
    And it prints the execution identifier
    And the execution it started completes
    And the command did not follow it: the execution's answer is not in its output
