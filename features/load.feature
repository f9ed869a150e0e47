@phase2 @slow @load @requires-temporal @requires-llm @api
Feature: Handling many executions at once
  As an operator
  I want a burst of executions to be finished, none lost and none stuck
  So that I can trust the platform under real use, and know how fast it is

  The numbers (throughput, median and 95th percentile latency) are printed and written to
  the run's results (load.md, load.json). The embedded model answers one request at a time,
  so the latency mostly measures the queue in front of it. An execution that waits in that
  queue longer than an agent-runner is given to pick work up (runner_schedule_timeout, 30 s
  by default) is failed with a message saying so: with 100 executions at about 3 per second
  on two cores, the last ones do. Nothing is ever lost or left running.

  Scenario: A hundred executions started at once all finish and none is lost
    Given I have applied the "agents/basic" manifests
    When I start 100 executions of the agent "greeter" at once with the message "Say hi"
    Then all 100 executions end within 300 seconds
    And none is lost, and each one completed or failed saying no agent-runner picked it up in time
    And the throughput and the latency of the burst are reported
