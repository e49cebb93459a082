# CIS AWS Foundations 4.x: metric filters and alarms on the CloudTrail log group.
# Modelled on the usual baseline modules; every pattern here deploys cleanly.

locals {
  namespace          = "CISBenchmark"
  cloudtrail_changes = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"
  # a brace in a comment { and a "quote" must not confuse the scanner
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "CloudTrail/main"
  retention_in_days = 365
}

resource "aws_cloudwatch_log_metric_filter" "organizations_changes" {
  name           = "OrganizationsChanges"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = \"AcceptHandshake\") || ($.eventName = \"AttachPolicy\") || ($.eventName = \"CreateAccount\") || ($.eventName = \"CreateOrganizationalUnit\") || ($.eventName = \"CreatePolicy\") || ($.eventName = \"DeclineHandshake\") || ($.eventName = \"DeleteOrganization\") || ($.eventName = \"DeleteOrganizationalUnit\") || ($.eventName = \"DeletePolicy\") || ($.eventName = \"DetachPolicy\") || ($.eventName = \"DisablePolicyType\") || ($.eventName = \"EnablePolicyType\") || ($.eventName = \"InviteAccountToOrganization\") || ($.eventName = \"LeaveOrganization\") || ($.eventName = \"MoveAccount\") || ($.eventName = \"RemoveAccountFromOrganization\") || ($.eventName = \"UpdatePolicy\") || ($.eventName = \"UpdateOrganizationalUnit\")) }"

  metric_transformation {
    name      = "OrganizationsChanges"
    namespace = local.namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_log_metric_filter" "cloudtrail_changes" {
  name           = "CloudTrailCfgChanges"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = local.cloudtrail_changes

  metric_transformation {
    name      = "CloudTrailCfgChanges"
    namespace = local.namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_log_metric_filter" "root_usage" {
  name           = "RootUsage"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = <<-EOT
    {
      $.userIdentity.type = "Root" &&
      $.userIdentity.invokedBy NOT EXISTS &&
      $.eventType != "AwsServiceEvent"
    }
  EOT

  metric_transformation {
    name      = "RootUsage"
    namespace = local.namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_log_metric_filter" "console_signin_failures" {
  name           = "ConsoleSigninFailures"
  log_group_name = aws_cloudwatch_log_group.trail.name
  pattern        = "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }"

  metric_transformation {
    name      = "ConsoleSigninFailures"
    namespace = "CISBenchmark"
    value     = "1"
    dimensions = {
      EventName = "$.eventName"
    }
  }
}

resource "aws_cloudwatch_log_metric_filter" "api_latency" {
  name           = "ApiBytes"
  log_group_name = "/app/access"
  pattern        = "[ip, user, username, timestamp, request, status_code = 4*, bytes]"

  metric_transformation {
    name          = "ClientErrorBytes"
    namespace     = "App"
    value         = "$bytes"
    default_value = "0"
  }
}

resource "aws_cloudwatch_log_subscription_filter" "to_siem" {
  name            = "to-siem"
  log_group_name  = aws_cloudwatch_log_group.trail.name
  filter_pattern  = ""
  destination_arn = "arn:aws:logs:us-east-1:111122223333:destination:siem"
}

resource "aws_cloudwatch_metric_alarm" "organizations_changes" {
  alarm_name          = "CIS-4.15-OrganizationsChanges"
  metric_name         = aws_cloudwatch_log_metric_filter.organizations_changes.metric_transformation[0].name
  namespace           = local.namespace
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
