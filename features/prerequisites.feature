@smoke @phase1
Feature: Prerequisites are explained before anything runs
  As a Stigmer engineer running the acceptance suite
  I want every missing prerequisite explained in plain words
  So that I know what to install or start instead of reading a stack trace

  Scenario: The Stigmer server of this run answers and speaks the API the suite drives
    Then the Stigmer server answers
    And it speaks the API generation the suite drives

  @reference-only @ref:health-service
  Scenario: The Stigmer server of this run reports itself healthy
    Then the Stigmer server reports itself healthy

  Scenario: A missing Ollama is explained with what to do about it
    Given the model server is expected where nothing answers
    And the embedded model server is not allowed
    When the prerequisites are checked
    Then the "LLM" prerequisite is reported missing
    And its explanation says what it is required for, how to fix it and how to verify it

  Scenario: A missing Docker engine is explained with what to do about it
    Given the Docker engine is expected where nothing answers
    When the prerequisites are checked
    Then the "Docker" prerequisite is reported missing
    And its explanation says what it is required for, how to fix it and how to verify it

  @requires-docker @requires-llm
  Scenario: Docker and a model server are available for full executions
    Given Ollama and Docker are available
    Then the prerequisite summary reports them ready
