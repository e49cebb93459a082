"""What a metric filter publishes and what an alarm on it would have done.

metrics  datapoints per period and dimension combination (Sum, SampleCount,
         Minimum, Maximum, Average), with the metric transformation checked as
         CloudWatch Logs checks it
alarm    CloudWatch's alarm evaluation replayed over those datapoints: the state
         timeline, M out of N, the four treat-missing-data modes
plot     the metric, the threshold and the alarm periods as SVG (or PNG)
report   both replays as JSON-ready dicts and text tables
"""
