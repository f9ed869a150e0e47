@phase2 @slow @load @requires-temporal @requires-llm @api
Feature: Handling many executions at once
  As an operator
  I want a burst of executions to be finished, none lost and none stuck
  So that I can trust the platform under real use, and know how fast it is

  The numbers (throughput, median and 95th percentile latency) are printed and written to
  the run's results (load.md, load.json). The embedded model answers a few requests at
  once (4 by default) and queues the rest, so the latency mostly measures that queue.
  Executions queued behind busy agent-runners wait for them: only when no agent-runner is
  polling at all is an execution failed for not being picked up.

  Scenario: A hundred executions started at once all finish and none is lost
    Given I have applied the "agents/basic" manifests
    When I start 100 executions of the agent "greeter" at once with the message "Say hi"
    Then all 100 executions end within 300 seconds
    And none is lost, and every one of them completed
    And the throughput and the latency of the burst are reported
