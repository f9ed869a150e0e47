@phase2 @requires-temporal @requires-llm
Feature: Running an agent on a real model
  As an agent author
  I want to run an agent and read its answer
  So that I know the whole platform works end to end:
  server, workflow engine, agent-runner and model

  Background:
    Given I have applied the "agents/basic" manifests

  @smoke @api @requires-docker @seed-execution @reference-runner-only:instructions-buried
  Scenario: The basic agent responds with a greeting
    Given Ollama and Docker are available
    When I run the basic agent
    Then it responds with a greeting

  @api
  Scenario Outline: The agent's instructions decide how it answers: <message>
    The greeter's instructions ask it to greet; the assistant's do not. The message greets
    nobody, so a greeting can only come from the instructions.

    Given I have applied the "agents/plain" manifests
    When I run the agent "greeter" with the message "<message>"
    Then it responds with a greeting
    When I run the agent "assistant" with the message "<message>"
    Then it responds without a greeting

    Examples:
      | message                            |
      | Please introduce yourself.         |
      | Good evening, who am I talking to? |

  @api @seed-execution
  Scenario: An execution goes through its phases to completion
    When I run the agent "greeter" with the message "Good morning! Can you respond?" and follow it
    Then the phases it went through were "PENDING, IN_PROGRESS, COMPLETED", in that order
    And the execution holds my message and the agent's answer
    And the answer it streamed is the answer it keeps

  @api
  Scenario: Following an execution after it finished shows its final state and ends
    When I run the agent "greeter" with the message "Good morning! Can you respond?"
    And I follow the execution again once it has finished
    Then the stream showed its final state at once, as stored, and ended

  @api
  Scenario: Starting an execution records it as pending or running
    When I run the agent "greeter" with the message "Say hello"
    Then the execution exists for the agent "greeter"
    And right after it was started its phase was one of "PENDING, IN_PROGRESS"
