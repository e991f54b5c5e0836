"""Create-time constraints: WAF web ACLs and their logging (wafv2)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from components.naming import NAME_RULES

from .base import (
    Finding,
    _get,
    _list,
    _num,
    constraint,
)

WAF_API = "https://docs.aws.amazon.com/waf/latest/APIReference/"


@constraint("waf-rules", ["aws:wafv2/webAcl:WebAcl"], rule="rule names and priorities unique within the ACL; "
            "metric names of [\\w#:.-/] and not All or Default_Action; rate limits 10-2,000,000,000 over 60, 120, "
            "300 or 600 s; scope REGIONAL or CLOUDFRONT", fix="rename or renumber the rule, fix the metric name "
            "or the rate settings", reference=WAF_API + "API_CreateWebACL.html")
def _waf_rules(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("scope") not in ("REGIONAL", "CLOUDFRONT", None):
        yield "scope", props.get("scope"), "not REGIONAL or CLOUDFRONT"
    rules = [r for r in _list(props.get("rules")) if isinstance(r, Mapping)]
    metric_rule = NAME_RULES["waf-metric"]
    metrics = [("visibilityConfig.metricName", _get(props, "visibilityConfig", "metricName"))]
    for kind, seen in (("name", set()), ("priority", set())):  # type: ignore[var-annotated]
        for rule in rules:
            value = rule.get(kind)
            if value in seen:
                yield f"rules[].{kind}", value, f"duplicate {kind}"
            seen.add(value)
    for index, rule in enumerate(rules):
        metrics.append((f"rules[{index}].visibilityConfig.metricName", _get(rule, "visibilityConfig", "metricName")))
        rate = _get(rule, "statement", "rateBasedStatement")
        if isinstance(rate, Mapping):
            limit, window = _num(rate.get("limit")), _num(rate.get("evaluationWindowSec"))
            if limit is not None and not 10 <= limit <= 2_000_000_000:
                yield f"rules[{index}].statement.rateBasedStatement.limit", limit, "outside 10-2,000,000,000"
            if window is not None and window not in (60.0, 120.0, 300.0, 600.0):
                yield f"rules[{index}].statement.rateBasedStatement.evaluationWindowSec", window, "not 60/120/300/600"
    for where, metric in metrics:
        if isinstance(metric, str):
            problems = metric_rule.problems(metric) + (["reserved"] if metric in ("All", "Default_Action") else [])
            for problem in problems:
                yield where, metric, problem


@constraint("waf-logging-destination", ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
            rule="a CloudWatch Logs destination's log group name starts with aws-waf-logs-",
            fix="name the log group aws-waf-logs-<something>", reference=WAF_API + "API_PutLoggingConfiguration.html")
def _waf_logging(props: Mapping[str, Any]) -> Iterable[Finding]:
    for arn in _list(props.get("logDestinationConfigs")):
        if isinstance(arn, str) and ":log-group:" in arn and ":log-group:aws-waf-logs-" not in arn:
            yield "logDestinationConfigs", arn, "log group without the aws-waf-logs- prefix"
