@phase1 @api
Feature: Deploying agents
  As an agent author
  I want to deploy agents from their manifests
  So that they can be run by name

  Scenario: Applying the basic agents creates both of them
    When I apply the "agents/basic" manifests
    Then 2 agents exist
    And the agent "greeter" has its name, instructions and an identifier

  Scenario: Optional description and icon are kept
    When I apply the "agents/basic" manifests
    Then the agent "helper-with-profile" has a description and an icon
    And the agent "greeter" has no description and no icon

  Scenario: Every agent gets a default instance
    When I apply the "agents/basic" manifests
    Then the agent "greeter" has a default instance named "greeter-default"
    And the agent "helper-with-profile" has a default instance named "helper-with-profile-default"

  @reference-only @ref:name-rule
  Scenario: An agent with an invalid name is rejected with a clear error
    When I apply the "agents/invalid" manifests
    Then the request is rejected as invalid
    And the error explains the naming rule
    And no agent exists

  Scenario: An agent whose name has capitals and a space gets a lower-case slug
    When I apply the "agents/capital-name" manifests
    Then 1 agent exists
    And the agent "night-owl" has its name, instructions and an identifier
    And the agent "night-owl" holds what the "agents/capital-name" manifests say

  Scenario: An agent with an upper-case slug is rejected with a clear error
    When I apply the "agents/upper-case-slug" manifests
    Then the request is rejected as invalid
    And the error explains the naming rule
    And no agent exists

  @reference-only @ref:name-rule
  Scenario: An agent with a slug longer than 63 characters is rejected with a clear error
    When I apply the "agents/long-slug" manifests
    Then the request is rejected as invalid
    And the error explains the naming rule
    And no agent exists

  Scenario: Applying the same agents again updates them instead of duplicating
    Given I have applied the "agents/basic" manifests
    When I apply the "agents/basic" manifests again
    Then 2 agents exist
    And every resource kept its identifier
    And the agent "greeter" kept its identifier

  Scenario: Applying changed agents stores the changes and keeps their identifiers
    Given I have applied the "agents/basic" manifests
    When I apply the "agents/basic-changed" manifests
    Then 2 agents exist
    And every resource kept its identifier
    And every resource got a new version that points at the one before
    And the agent "greeter" holds what the "agents/basic-changed" manifests say
    And the agent "helper-with-profile" holds what the "agents/basic-changed" manifests say
    And the agent "helper-with-profile" has a description and an icon

  Scenario: A deleted agent is gone
    Given I have applied the "agents/basic" manifests
    When I delete the agent "greeter"
    Then the agent "greeter" does not exist
    And 1 agent exists
