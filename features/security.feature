@security
Feature: Keeping the platform closed to strangers
  As an operator
  I want the platform to answer only on this machine, and only to callers with the API key
  So that running it never exposes Stigmer, its agents or its secrets

  @phase1 @api @cli @reference-only @ref:api-key
  Scenario Outline: A server that requires an API key refuses <credentials> through <route>
    Given a Stigmer server that requires an API key
    When I list the agents through <route> with <credentials>
    Then I am refused as unauthenticated, with an error saying "<explanation>"

    Examples:
      | route            | credentials     | explanation           |
      | the API          | a wrong API key | invalid API key       |
      | the API          | no API key      | missing API key       |
      | the command line | a wrong API key | authentication failed |

  @phase1 @api @cli @reference-only @ref:api-key
  Scenario Outline: A server that requires an API key serves callers that send it through <route>
    Given a Stigmer server that requires an API key
    When I list the agents through <route> with the right API key
    Then I am served

    Examples:
      | route            |
      | the API          |
      | the command line |

  @phase2 @requires-temporal @requires-llm
  Scenario: Every service of the platform listens only on this machine
    Then every service of the platform listens only on this machine
    And the services in containers are published only on this machine

  @phase2 @requires-temporal @requires-llm @api
  Scenario: A secret the agent's tool needs reaches the tool, and is kept out of everything else
    The vault opens only with its token, and echoes the token in its answer, as careless
    services do: the model receives the secret, and the platform must mask it. After the run,
    its logs, reports and artifacts are scanned for the secret and the API key in every
    encoding (tests/test_secrets_scan.py): the secret is made for the run, never written here.

    Given the vault tool server is running, opened only by a token made for this run, and registered as "vault"
    And I have applied the "agents/with-vault" manifests
    When I run the agent "vault-keeper" with the message "What is the code in the vault? Use the open_vault tool." and a secret "VAULT_TOKEN" made for this run
    Then the execution completes
    And the agent called the "open_vault" tool of the "vault" server
    And the tool's result is what the vault server answers for those arguments
    And no message of the execution contains the secret
    And no service log contains the secret

  @phase2 @requires-temporal @requires-llm @api
  Scenario: Without the right secret the agent's tool stays closed
    Given the vault tool server is running, opened only by a token made for this run, and registered as "vault"
    And I have applied the "agents/with-vault" manifests
    When I run the agent "vault-keeper" with the message "What is the code in the vault? Use the open_vault tool." and the secret "VAULT_TOKEN" set to a wrong token
    Then the execution fails
    And its failure message mentions "vault"
