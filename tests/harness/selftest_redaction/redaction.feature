@selftest
Feature: A secret never reaches a report, in any encoding
  tests/harness/reporting/test_redaction_reports.py runs this feature with a secret that HTML, JSON, URL
  and base64 encoders all change. The scenario fails on purpose, quoting the secret in each of
  those forms, so that the HTML report, the console text, JUnit and the artifacts carry them.

  Scenario: A failure message that quotes the secret in every encoding
    Given the self-test secret is a secret of this scenario
    Then this scenario fails on purpose, quoting the secret in every encoding
