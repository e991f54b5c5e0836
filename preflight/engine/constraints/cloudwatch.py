"""Create-time constraints: CloudWatch: log groups, subscription filters, metric alarms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from components.config import (
    LOG_RETENTION_DAYS,
)

from .base import (
    Finding,
    Registered,
    _list,
    _num,
    constraint,
    stack_constraint,
)


@constraint("log-group-retention", ["aws:cloudwatch/logGroup:LogGroup"], rule="retention one of "
            + ", ".join(map(str, LOG_RETENTION_DAYS)), fix="pick an accepted retention (logRetentionDays)",
            reference="https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
                      "API_PutRetentionPolicy.html")
def _log_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    days = _num(props.get("retentionInDays"))
    if days is not None and days not in LOG_RETENTION_DAYS:
        yield "retentionInDays", days, "not an accepted retention"


@stack_constraint("log-subscription-filters-per-group", rule="at most 2 subscription filters per log group",
                  fix="feed one destination per log group", reference="https://docs.aws.amazon.com/"
                  "AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html")
def _subscriptions(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    per_group: dict[Any, list[Registered]] = defaultdict(list)
    for reg in resources:
        if reg.type == "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter":
            group = reg.inputs.get("logGroup")
            key = tuple(reg.property_dependencies.get("logGroup", [])) or group
            if key:
                per_group[key if isinstance(key, (str, tuple)) else str(key)].append(reg)
    for group, filters in per_group.items():
        if len(filters) > 2:
            yield filters[-1], ("logGroup", group if isinstance(group, str) else filters[-1].inputs.get("logGroup"),
                                f"{len(filters)} filters")


ALARM_STATISTICS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
ALARM_COMPARISONS = {"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                     "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
                     "LessThanLowerThreshold", "GreaterThanUpperThreshold"}
ALARM_MISSING = {"breaching", "notBreaching", "ignore", "missing"}
ALARM_UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
               "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
               "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
               "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
               "Count/Second", "None"}


@constraint("cloudwatch-alarm-settings", ["aws:cloudwatch/metricAlarm:MetricAlarm"], rule="period 10, 20, 30 or a "
            "multiple of 60 s; period x evaluation periods at most one day; statistic, comparison, unit and "
            "missing-data treatment from AWS's lists; at most 5 actions per state",
            fix="fix the period, statistic, comparison, unit or actions",
            reference="https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html")
def _alarm(props: Mapping[str, Any]) -> Iterable[Finding]:
    period, periods = _num(props.get("period")), _num(props.get("evaluationPeriods"))
    if period is not None and not (period in (10.0, 20.0, 30.0) or (period >= 60 and period % 60 == 0)):
        yield "period", period, "not 10, 20, 30 or a multiple of 60"
    if period is not None and periods is not None and (periods < 1 or period * periods > 86400):
        yield "evaluationPeriods", periods, f"{periods:.0f} x {period:.0f} s is not within one day"
    for key, allowed in (("statistic", ALARM_STATISTICS), ("comparisonOperator", ALARM_COMPARISONS),
                         ("treatMissingData", ALARM_MISSING), ("unit", ALARM_UNITS)):
        value = props.get(key)
        if isinstance(value, str) and value not in allowed:
            yield key, value, "not an accepted value"
    for key in ("alarmActions", "okActions", "insufficientDataActions"):
        if len(_list(props.get(key))) > 5:
            yield key, len(_list(props.get(key))), "more than 5 actions"
