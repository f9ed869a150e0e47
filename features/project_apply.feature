@cli @phase1
Feature: Applying a project as one unit
  As an agent author keeping my agents, workflows and MCP servers in one folder
  I want one command to make Stigmer hold exactly what the folder says
  So that adding, changing and dropping resources is a single, predictable step

  The "shop" project (features/fixtures/projects/shop) has a workflow that calls an agent that
  uses an MCP server, plus a helper agent. Its second version changes the clerk, drops the
  helper and adds a returns clerk; its broken version is the second one with a reference to an
  MCP server that exists nowhere.

  Scenario: A fresh project is created whole, each resource after the ones it needs
    When I apply the project "projects/shop/v1" from the command line
    Then the command succeeds
    And it reports "Deployment successful"
    And it shows, for each resource, what it became:
      | type       | name           | became  |
      | MCP server | inventory      | Created |
      | agent      | order-clerk    | Created |
      | agent      | retired-helper | Created |
      | workflow   | order-pipeline | Created |
    And every resource of the project "projects/shop/v1" is stored as the project says
    And the MCP server "inventory" was in place before the agent "order-clerk"
    And the agent "order-clerk" was in place before the workflow "order-pipeline"

  Scenario: Applying a new version adds, updates and removes resources in one go
    Given I have applied the project "projects/shop/v1" from the command line
    When I apply the project "projects/shop/v2" from the command line
    Then the command succeeds
    And it shows, for each resource, what it became:
      | type       | name           | became    |
      | MCP server | inventory      | Unchanged |
      | agent      | order-clerk    | Updated   |
      | agent      | returns-clerk  | Created   |
      | workflow   | order-pipeline | Unchanged |
      | agent      | retired-helper | Deleted   |
    And every resource of the project "projects/shop/v2" is stored as the project says
    And the agent "retired-helper" is gone
    And the workflow "order-pipeline" is still there, untouched
    And the resources the project kept have the identifiers they had

  Scenario: Applying the same project again writes nothing
    Given I have applied the project "projects/shop/v1" from the command line
    When I apply the project "projects/shop/v1" from the command line
    Then the command succeeds
    And it shows, for each resource, what it became:
      | type       | name           | became    |
      | MCP server | inventory      | Unchanged |
      | agent      | order-clerk    | Unchanged |
      | agent      | retired-helper | Unchanged |
      | workflow   | order-pipeline | Unchanged |
    And nothing was written: every resource is as it was before

  Scenario: A dry run shows what each resource would become and writes nothing
    Given I have applied the project "projects/shop/v1" from the command line
    When I dry-run the project "projects/shop/v2" from the command line
    Then the command succeeds
    And it reports "Dry run successful"
    And it shows, for each resource, what it would do:
      | type       | name           | would     |
      | MCP server | inventory      | Unchanged |
      | agent      | order-clerk    | Update    |
      | agent      | returns-clerk  | Create    |
      | workflow   | order-pipeline | Unchanged |
      | agent      | retired-helper | Delete    |
    And nothing was written: every resource is as it was before

  Scenario: An error anywhere in the project applies nothing
    Given I have applied the project "projects/shop/v1" from the command line
    When I apply the project "projects/shop/broken" from the command line
    Then the command fails
    And its error mentions "warehouse"
    And nothing was written: every resource is as it was before

  Scenario: Keeping what the project no longer lists
    Given I have applied the project "projects/shop/v1" from the command line
    When I apply the project "projects/shop/v2" from the command line, keeping what it no longer lists
    Then the command succeeds
    And every resource of the project "projects/shop/v2" is stored as the project says
    And the agent "retired-helper" is still there, untouched
