@api @cli
Feature: Clear errors for bad input
  As an agent author
  I want every mistake I make to be refused with an error that says what is wrong
  So that I can fix it myself, and nothing hangs or half-succeeds

  Requests that break the rules carried by Stigmer's protos (buf.validate) are refused by the
  server, naming the field and the rule. The reference server accepts a message of up to 4 MiB
  per request (Stigmer's January server: 10 MB): a 1 MB message is accepted (and the execution
  ends one way or the other), a 5 MB one is refused as too large. Rows that assert the
  reference stack's own rules or wording are tagged @reference-only (reasons in
  harness/profile.py).

  Background:
    Given I have applied the "agents/basic" manifests

  @phase1
  Scenario Outline: Input that breaks Stigmer's own rules is refused by the server: <bad input>
    When I send <bad input> through the API
    Then it is refused as invalid argument within 5 seconds
    And the error names the field "<field>" and the rule "<rule>"
    And nothing was stored

    Examples:
      | bad input                                    | field                           | rule           |
      | an agent whose instructions are too short    | spec.instructions               | string.min_len |
      | an agent with an upper-case slug             | metadata.slug                   | string.pattern |
      | a sub-agent whose instructions are too short | spec.sub_agents[0].instructions | string.min_len |
      | an empty message                             | spec.message                    | string.min_len |

  @phase1
  Scenario Outline: Bad input through the API is refused clearly: <bad input>
    When I send <bad input> through the API
    Then it is refused as <refusal> within 5 seconds
    And the error mentions "<explanation>"
    And nothing was stored

    Examples:
      | bad input                                        | refusal          | explanation       |
      | a request for an execution that never was        | not found        | not found         |
      | a request for an agent that never was            | not found        | not found         |
      | a request to a server that cannot be reached     | unreachable      | Failed to connect |

    @reference-only @ref:name-rule
    Examples: the reference server's name rule
      | bad input                                        | refusal          | explanation       |
      | an agent with an invalid name                    | invalid argument | Invalid Name!     |

    @reference-only @ref:message-limit
    Examples: the reference server's message limit
      | bad input                                        | refusal          | explanation       |
      | a 5 MB message                                   | too large        | 4 MiB             |

    @reference-only @ref:mcp-transport
    Examples: the reference server's check of an MCP server's address
      | bad input                                        | refusal          | explanation       |
      | an MCP server whose address is not a web address | invalid argument | spec.http.url     |

  @phase1
  Scenario Outline: Input that breaks Stigmer's own rules is refused through the command line: <bad input>
    When I give the command line <bad input>
    Then the command is refused as invalid within 10 seconds
    And its error names the field "<field>" and the rule "<rule>"
    And nothing was stored

    Examples:
      | bad input                                              | field             | rule           |
      | an agent whose instructions are too short              | spec.instructions | string.min_len |
      | an agent with an upper-case slug                       | metadata.slug     | string.pattern |
      | an empty message                                       | spec.message      | string.min_len |
      | a dry run of an agent whose instructions are too short | spec.instructions | string.min_len |

  @phase1
  Scenario Outline: Bad input through the command line is refused clearly: <bad input>
    When I give the command line <bad input>
    Then the command is refused as <refusal> within 10 seconds
    And its error mentions "<explanation>"
    And nothing was stored

    Examples:
      | bad input                                            | refusal     | explanation                         |
      | a request for an execution that never was            | not found   | aex-doesnotexist0000                |
      | a request for an agent that never was                | not found   | never-deployed                      |

    @reference-only @ref:error-wording
    Examples: the reference command line's wording
      | bad input                                            | refusal     | explanation                         |
      | a manifest that is not valid YAML                    | invalid     | invalid YAML                        |
      | a manifest with a field Stigmer lacks                | invalid     | unknown field spec.favouriteColour  |
      | a request to a server that cannot be reached         | unreachable | Cannot reach Stigmer server         |
      | a run with a values file whose line is not KEY=VALUE | invalid     | not-pairs.env:3: expected KEY=VALUE |
      | a run with a values file that does not exist         | invalid     | cannot read env file                |

    @reference-only @ref:name-rule @ref:error-wording
    Examples: the reference server's name rule, from the command line
      | bad input                                            | refusal     | explanation                         |
      | an agent with an invalid name                        | invalid     | Invalid Name!                       |

  @phase2 @requires-temporal @requires-llm
  Scenario: A 1 MB message is accepted and its execution ends, never stuck
    When I send a 1 MB message through the API
    Then it is accepted
    And the execution ends within 120 seconds
    And the message was stored whole

  @phase2 @fault @requires-docker @requires-temporal @requires-llm
  Scenario: When the Docker engine stops the services' containers, runs fail clearly and never hang
    Given the platform lets me break its parts on purpose
    And the execution services run in containers
    And the container engine has stopped the execution services
    When I try to run the agent "greeter" with the message "Say hello"
    Then it is refused or fails within 30 seconds with an error naming the workflow engine
    When the container engine starts the execution services again
    Then I can run the agent "greeter" with the message "Say hello" to completion
