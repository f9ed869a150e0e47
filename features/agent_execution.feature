@phase2 @requires-temporal @requires-llm
Feature: Running an agent on a real model
  As an agent author
  I want to run an agent and read its answer
  So that I know the whole platform works end to end:
  server, workflow engine, agent-runner and model

  Background:
    Given I have applied the "agents/basic" manifests

  @smoke @api @requires-docker @seed-execution
  Scenario: The basic agent responds with a greeting
    Given Ollama and Docker are available
    When I run the basic agent
    Then it responds with a greeting

  @api
  Scenario: Asked to greet back, the agent greets
    When I run the agent "greeter" with the message "Hello! Please greet me back."
    Then it responds with a greeting

  @api @seed-execution
  Scenario: An execution goes through its phases to completion
    When I run the agent "greeter" with the message "Say hello and confirm you can respond" and follow it
    Then the phases it went through were "PENDING, IN_PROGRESS, COMPLETED", in that order
    And the execution holds my message and the agent's answer

  @api
  Scenario: Starting an execution records it as pending or running
    When I run the agent "greeter" with the message "Say hello"
    Then the execution exists for the agent "greeter"
    And its phase is one of "PENDING, IN_PROGRESS, COMPLETED"
