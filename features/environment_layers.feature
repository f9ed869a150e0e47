@cli @phase2 @requires-temporal
Feature: Runtime values and secrets from files and the command line
  As an agent author
  I want to hand a run its settings and secrets from files as well as from the command line
  So that I keep secrets out of my shell history and can override one value without a new file

  The command line reads four layers: an env file, a secret file, values and secrets on the
  command line. When they name the same value the later layer wins, in the order Stigmer's own
  tests fix (TestEnvVarMergePrecedence): env file < secret file < command line < command line
  secret; values from a secret file are secrets. Files are written for the scenario and removed
  after it; a token made for the run is never written in this repository.

  Scenario: Every layer reaches the workflow, and the later layer wins
    The workflow totals 40 with TAX_PERCENT percent tax and checks out with SHOP_TOKEN: a total
    of 44 means the command line's 10 beat the env file's 25, an accepted order means the
    secret file's token beat the env file's wrong one, and reaching the API at all means the
    env file's API_BASE arrived.

    Given I have applied the "workflows/with-context" manifests
    And the suite's HTTP API accepts only a token made for this run
    When I run the workflow "order-total" from the command line with these runtime values:
      | layer               | name        | value                       |
      | env file            | API_BASE    | the suite's HTTP API        |
      | env file            | TAX_PERCENT | 25                          |
      | env file            | SHOP_TOKEN  | not-the-token               |
      | secret file         | SHOP_TOKEN  | the token made for this run |
      | secret file         | REGION      | region-from-the-file        |
      | secret file         | AUDIT_KEY   | audit-key-from-the-file     |
      | command line        | TAX_PERCENT | 10                          |
      | command line        | REGION      | eu-west                     |
      | command line        | AUDIT_KEY   | audit-key-in-plain          |
      | command line secret | AUDIT_KEY   | audit-key-from-the-flag     |
    Then the command succeeds
    And the workflow execution completes
    And its result has "total" equal to "44"
    And its result has "order" equal to "accepted"
    And the execution was given each runtime value from the layer that wins:
      | name        | from                | secret |
      | API_BASE    | env file            | no     |
      | TAX_PERCENT | command line        | no     |
      | SHOP_TOKEN  | secret file         | yes    |
      | REGION      | command line        | no     |
      | AUDIT_KEY   | command line secret | yes    |
    And the status of the workflow execution never shows the secret
    And the secret is in no service log, in any encoding
    And the command's output never shows the secret

  Scenario: A secret on the command line beats the one in the secret file
    Given I have applied the "workflows/with-context" manifests
    And the suite's HTTP API accepts only a token made for this run
    When I run the workflow "order-total" from the command line with these runtime values:
      | layer               | name       | value                       |
      | command line        | API_BASE   | the suite's HTTP API        |
      | secret file         | SHOP_TOKEN | not-the-token               |
      | command line secret | SHOP_TOKEN | the token made for this run |
    Then the command succeeds
    And the workflow execution completes
    And its result has "order" equal to "accepted"
    And the execution was given each runtime value from the layer that wins:
      | name       | from                | secret |
      | SHOP_TOKEN | command line secret | yes    |
    And the status of the workflow execution never shows the secret
    And the command's output never shows the secret

  @requires-llm
  Scenario: A secret from a secret file reaches the agent's tool, and nothing else
    The vault opens only with its token and echoes it, as careless services do. The env file
    holds a wrong token: the vault opening means the secret file won.

    Given the vault tool server is running, opened only by a token made for this run, and registered as "vault"
    And I have applied the "agents/with-vault" manifests
    When I run the agent "vault-keeper" from the command line with the message "What is the code in the vault? Use the open_vault tool." and these runtime values:
      | layer       | name        | value                       |
      | env file    | VAULT_TOKEN | not-the-vault-token         |
      | secret file | VAULT_TOKEN | the token made for this run |
    Then the command succeeds
    And the execution it started completes
    And the agent called the "open_vault" tool of the "vault" server
    And the tool's result is what the vault server answers for those arguments
    And the execution was given each runtime value from the layer that wins:
      | name        | from        | secret |
      | VAULT_TOKEN | secret file | yes    |
    And no message of the execution contains the secret
    And no service log contains the secret
    And the command's output never shows the secret
