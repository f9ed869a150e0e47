@phase2 @requires-temporal
Feature: Running workflows
  As a workflow author
  I want to run my workflows and see what each task did
  So that I can automate work made of calls, decisions, loops and waits

  @api @smoke
  Scenario: Running a workflow fetches data and keeps the result
    Given I have applied the "workflows/basic" manifests
    When I run the workflow "fetch-user"
    Then the workflow execution completes
    And its result has "greeting" equal to "Hello User 1"
    And every task of the workflow execution completed

  @api
  Scenario: Following a workflow shows it start and finish
    Given I have applied the "workflows/basic" manifests
    When I run the workflow "say-hello" with the message "ping" and follow it
    Then the workflow execution reports the phases "IN_PROGRESS, COMPLETED" in that order

  @cli
  Scenario: Running a workflow from the command line streams its tasks
    Given I have applied the "workflows/basic" manifests
    When I run the workflow "fetch-user" from the command line
    Then the command succeeds
    And it reports "Workflow execution started: fetch-user"
    And it shows each task completing and the final phase

  @cli
  Scenario: Running a workflow that does not exist fails with "not found"
    When I run the workflow "no-such-workflow" from the command line
    Then the command is refused as not found
    And its error says no workflow "no-such-workflow" exists

  @api
  Scenario Outline: A <kind> task does its job
    Given I have applied the "<fixture>" manifests
    When I run the workflow "<workflow>"
    Then the workflow execution completes
    And its result has "<name>" equal to "<value>"

    Examples:
      | kind             | fixture                | workflow       | name    | value           |
      | call to an API   | workflows/basic        | fetch-user     | greeting | Hello User 1   |
      | switch           | workflows/switch       | grade          | grade   | high            |
      | for-each loop    | workflows/loop         | sum-prices     | total   | 15              |
      | parallel fork    | workflows/fork         | parallel-fetch | pair    | User 1 & User 2 |
      | try and catch    | workflows/try-catch    | fallback       | source  | fallback        |
      | set and wait     | workflows/set-wait     | pause          | step    | resumed         |
      | dependent task   | workflows/dependencies | pipeline       | summary | 3 values loaded |

  @api
  Scenario: A workflow reads its runtime settings and never shows its secrets
    Given I have applied the "workflows/with-context" manifests
    When I run the workflow "order-total" with the setting "TAX_PERCENT=10" and the secret "SHOP_TOKEN=tok-very-secret-42"
    Then the workflow execution completes
    And its result has "total" equal to "44"
    And the status of the workflow execution never shows the secret

  @api
  Scenario: A failing task nobody catches fails the workflow and names the task
    Given I have applied the "workflows/failing" manifests
    When I run the workflow "fetch-broken"
    Then the workflow execution fails, saying the task "call_api" failed

  @api
  Scenario: A workflow may not call hosts on the internet
    Given I have applied the "workflows/failing" manifests
    When I run the workflow "call-outside"
    Then the workflow execution fails, saying "is not allowed"

  @api
  Scenario: Cancelling a running workflow stops it
    Given I have applied the "workflows/long-wait" manifests
    When I run the workflow "long-pause"
    And the task "hold" of the workflow execution is running
    And I cancel the workflow execution
    Then the workflow execution is cancelled and stays cancelled
