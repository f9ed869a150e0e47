@phase2 @requires-temporal @requires-llm @api
Feature: Using the tools of an MCP server
  As an agent author
  I want my agent to use the tools of an MCP server I register with Stigmer
  So that it can act on systems beyond the conversation

  Background:
    Given the calculator tool server is running and registered as "calculator"
    And I have applied the "agents/with-mcp" manifests

  Scenario: The agent adds numbers with a tool of the MCP server
    When I run the agent "calculator-user" with the message "Use the add tool to add 3817 and 6604."
    Then the execution completes
    And the agent called the "add" tool of the "calculator" server
    And the tool was given the values of my message
    And the tool's result is what the calculator server answers for those arguments
    And the agent's answer quotes the tool's result

  Scenario: The agent asks the MCP server for the time in a city
    When I run the agent "calculator-user" with the message "What time is it in Paris? Use the get_time_in_city tool."
    Then the execution completes
    And the agent called the "get_time_in_city" tool of the "calculator" server
    And the tool was given the values of my message
    And the tool's result is what the calculator server answers for those arguments

  Scenario: A tool that fails is recorded as failed, with the server's error
    Given I have applied the "agents/with-failing-tool" manifests
    When I run the agent "weather-reporter" with the message "What is the weather in Paris? Use the get_weather tool."
    Then the execution ends within 120 seconds
    And the agent called the "get_weather" tool of the "calculator" server, which failed saying "weather service is down"
