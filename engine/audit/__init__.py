"""Audit CIS monitoring controls by what the deployed filters match.

snapshot  load and validate the offline input (AWS CLI outputs keyed by command)
collect   build a snapshot with boto3, read-only calls only (optional ``aws`` extra)
judge     trail -> log group -> metric filter -> alarm -> SNS subscribers, every step a finding
report    text, JSON and SARIF renderings of the verdicts
"""
