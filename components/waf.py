"""One WAF rule definition, two scopes: the ALB's REGIONAL ACL and CloudFront's ACL.

The guide's rules (AWS common rule set at priority 1, a 2000-per-IP rate block at priority 2)
plus the managed groups from config (`wafManagedRuleGroups`: known bad inputs, SQL injection —
the API is Laravel on MySQL — IP reputation and anonymous IPs by default) at priorities 3, 4, ...
Each ACL logs to a CloudWatch log group whose name starts with `aws-waf-logs-`, the prefix WAF
requires of its log destinations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from .tagging import named

COMMON_RULE_SET, COMMON_PRIORITY = "AWSManagedRulesCommonRuleSet", 1
RATE_LIMIT_RULE, RATE_LIMIT_PRIORITY = "RateLimitRule", 2


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True)


def web_acl_rules(rate_limit: int, managed_groups: Sequence[str]) -> list[aws.wafv2.WebAclRuleArgs]:
    groups = [(COMMON_PRIORITY, COMMON_RULE_SET),
              *((RATE_LIMIT_PRIORITY + 1 + i, g) for i, g in enumerate(managed_groups))]
    rules = [
        aws.wafv2.WebAclRuleArgs(
            name=group, priority=priority,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
                none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    name=group, vendor_name="AWS")),
            visibility_config=_visibility(group.removeprefix("AWSManagedRules") + "Metric"))
        for priority, group in groups
    ]
    rules.append(aws.wafv2.WebAclRuleArgs(
        name=RATE_LIMIT_RULE, priority=RATE_LIMIT_PRIORITY,
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                limit=rate_limit, aggregate_key_type="IP", evaluation_window_sec=300)),
        visibility_config=_visibility("RateLimitMetric")))
    return sorted(rules, key=lambda r: r.priority)  # type: ignore[arg-type,return-value]


@dataclass(frozen=True)
class ProtectiveWebAcl:
    acl: aws.wafv2.WebAcl
    log_group: aws.cloudwatch.LogGroup


def protective_web_acl(name: str, *, scope: Literal["REGIONAL", "CLOUDFRONT"], acl_name: str,
                       rate_limit: int, managed_groups: Sequence[str], log_retention_days: int,
                       log_kms_key_arn: pulumi.Input[str],
                       tags: Mapping[str, str], opts: pulumi.ResourceOptions) -> ProtectiveWebAcl:
    """The ACL with the shared rules, and its logging. `opts` carries the parent (and, for
    CLOUDFRONT scope, the us-east-1 provider)."""
    acl = aws.wafv2.WebAcl(
        name, name=acl_name, scope=scope, description=f"Elite Locadora {scope.lower()} protection",
        default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
        rules=web_acl_rules(rate_limit, managed_groups),
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True, metric_name=acl_name.replace("-", ""),
            sampled_requests_enabled=True),
        tags=named(tags, acl_name), opts=opts)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs", name=f"aws-waf-logs-{acl_name}", retention_in_days=log_retention_days,
        kms_key_id=log_kms_key_arn, tags=named(tags, f"aws-waf-logs-{acl_name}"), opts=opts)
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-logging", resource_arn=acl.arn, log_destination_configs=[log_group.arn],
        # Never log the credentials a request may carry.
        redacted_fields=[aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
            single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header))
            for header in ("authorization", "cookie")],
        opts=opts)
    return ProtectiveWebAcl(acl=acl, log_group=log_group)
