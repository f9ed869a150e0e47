@phase1
Feature: Deploying workflows
  As a workflow author
  I want to deploy workflows described in manifests
  So that Stigmer keeps them, with their tasks, context and environment, ready to run

  @api
  Scenario: Applying a workflow keeps its core fields
    Given I have applied the "workflows/basic" manifests
    Then the workflow "fetch-user" has its name, description, tasks and an identifier

  @api
  Scenario: Every applied workflow is listed once, even when applied again
    Given I have applied the "workflows/basic" manifests
    When I apply the "workflows/basic" manifests again
    Then 2 workflows exist
    And every workflow kept its identifier

  @api
  Scenario: A workflow keeps its context and environment declarations
    Given I have applied the "workflows/with-context" manifests
    Then the workflow "order-total" declares the environment variables "API_BASE, TAX_PERCENT, SHOP_TOKEN"
    And its variable "SHOP_TOKEN" is secret and optional
    And its first task sets the values "currency, subtotal, tax"

  @api
  Scenario: A workflow keeps the dependencies between its tasks
    Given I have applied the "workflows/dependencies" manifests
    Then the workflow "pipeline" has the tasks "extract, never_run, transform, load" in that order
    And the task "extract" continues with "transform"
    And the task "transform" exports its result with '${ {transformed: .} }'

  @cli
  Scenario: A dry run of workflows from the command line creates nothing
    When I dry-run the "workflows/basic" manifests from the command line
    Then the command succeeds
    And it reports "Dry run successful"
    And it shows the action "Create" for the workflow "fetch-user"
    And no workflow exists

  @api @reference-only @ref:workflow-validation
  Scenario: An invalid workflow is rejected, pointing at the faulty task
    When I apply the "workflows/invalid" manifests
    Then the workflow is rejected as invalid, pointing at 'tasks[2] "fetch": http call needs endpoint.uri'
    And no workflow exists

  @cli @reference-only @ref:workflow-validation
  Scenario: Deploying an invalid workflow from the command line fails and says why
    When I apply the "workflows/invalid" manifests from the command line
    Then the command fails
    And its error mentions "http call needs endpoint.uri"
