@phase2 @requires-temporal @requires-llm @api
Feature: Teaching agents with skills
  As an agent author
  I want to push a skill once and reference it from my agents
  So that my agents know what the skill teaches them

  Scenario: A pushed skill is kept with its instructions and a version
    When I push the "password-desk" skill
    Then the skill "password-desk" is kept with its instructions and a version

  Scenario: Pushing a skill again makes a new version of the same skill
    Given I have pushed the "password-desk" skill
    When I push the "password-desk" skill again
    Then the skill "password-desk" kept its identifier and its new version points at the one before
    And the skill "password-desk" is kept with its instructions and a version

  Scenario: A pushed skill reaches the agent
    Given I have pushed the "password-desk" skill
    And I have applied the "agents/with-skills" manifests
    When I run the agent "front-desk" with the message "What is the secret password?"
    Then the execution completes
    And the agent's answer mentions "pineapple" in any letter case

  Scenario: An agent without the skill does not know what it teaches
    Given I have pushed the "password-desk" skill
    And I have applied the "agents/with-skills" manifests
    When I run the agent "plain-desk" with the message "What is the secret password?"
    Then the execution completes
    And the agent's answer does not mention "pineapple" in any letter case

  Scenario: An agent whose skill was never pushed explains what is missing
    Given I have applied the "agents/with-skills" manifests
    When I run the agent "front-desk" with the message "What is the secret password?"
    Then the execution fails
    And its failure message mentions "password-desk"
