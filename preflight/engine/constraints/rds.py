"""Create-time constraints: RDS instances (CreateDBInstance)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    ResourceCheck,
    _num,
    _outside,
    _str,
    _window_findings,
    constraint,
)


def _rds(id: str, rule: str, fix: str, page: str = "API_CreateDBInstance.html"
         ) -> Callable[[ResourceCheck], ResourceCheck]:
    return constraint(id, ["aws:rds/instance:Instance"], rule=rule, fix=fix,
                      reference=f"https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/{page}")

PI_RETENTION = {7, 731, *(31 * m for m in range(1, 24))}
MONITORING_INTERVALS = {0, 1, 5, 10, 15, 30, 60}


@_rds("rds-performance-insights-retention", "7, 31 x months (1-23) or 731 days",
      "set performance_insights_retention_period to 7, a multiple of 31 up to 713, or 731")
def _rds_pi_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    days = _num(props.get("performanceInsightsRetentionPeriod"))
    if props.get("performanceInsightsEnabled") is True and days is not None and int(days) not in PI_RETENTION:
        yield "performanceInsightsRetentionPeriod", days, "not an accepted retention"


@_rds("rds-database-insights-advanced", "advanced mode needs Performance Insights with at least 465 days",
      "enable Performance Insights with retention 465 or more, or use databaseInsightsMode standard")
def _rds_insights(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("databaseInsightsMode") != "advanced":
        return
    days = _num(props.get("performanceInsightsRetentionPeriod"))
    if props.get("performanceInsightsEnabled") is not True:
        yield "performanceInsightsEnabled", props.get("performanceInsightsEnabled"), "advanced mode without PI"
    elif days is not None and days < 465:
        yield "performanceInsightsRetentionPeriod", days, "below 465 in advanced mode"


@_rds("rds-monitoring-interval", "0, 1, 5, 10, 15, 30 or 60 seconds; a monitoring role exactly when above 0",
      "set monitoring_interval to an accepted value, and monitoring_role_arn only when it is above 0")
def _rds_monitoring(props: Mapping[str, Any]) -> Iterable[Finding]:
    interval = _num(props.get("monitoringInterval"))
    if interval is None:
        return
    if int(interval) not in MONITORING_INTERVALS:
        yield "monitoringInterval", interval, "not an accepted interval"
    elif interval > 0 and "monitoringRoleArn" not in props:
        yield "monitoringRoleArn", None, "enhanced monitoring without a role"
    elif interval == 0 and props.get("monitoringRoleArn"):
        yield "monitoringRoleArn", props.get("monitoringRoleArn"), "a role with monitoring off (interval 0)"


@_rds("rds-windows", "backup and maintenance windows in UTC, each at least 30 minutes, not overlapping",
      "widen the window to 30 minutes or more and move the maintenance window clear of the backup window")
def _rds_windows(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _window_findings(props, "backupWindow", "maintenanceWindow", 30, 30)


@_rds("rds-backup-retention", "0-35 days", "set backup_retention_period between 0 and 35")
def _rds_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "backupRetentionPeriod", 0, 35)


@_rds("rds-multi-az-no-zone", "a Multi-AZ instance may not name an availability zone",
      "drop availability_zone (RDS places the standby) or set multi_az=False")
def _rds_multi_az_zone(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("multiAz") is True and props.get("availabilityZone"):
        yield "availabilityZone", props.get("availabilityZone"), "set together with multiAz"


@_rds("rds-storage", "gp3 MySQL storage 20-65536 GiB; the autoscaling threshold at least 10 % above it",
      "set allocated_storage within 20-65536 and max_allocated_storage at least 10 % higher",
      "API_CreateDBInstance.html#RDS-CreateDBInstance-request-MaxAllocatedStorage")
def _rds_storage(props: Mapping[str, Any]) -> Iterable[Finding]:
    allocated, maximum = _num(props.get("allocatedStorage")), _num(props.get("maxAllocatedStorage"))
    if allocated is not None and not 20 <= allocated <= 65536:
        yield "allocatedStorage", allocated, "outside 20-65536 GiB"
    if allocated is not None and maximum and maximum < allocated * 1.1:
        yield "maxAllocatedStorage", maximum, f"less than 10 % above {allocated:.0f}"


@_rds("rds-encryption-key", "a KMS key needs storage encryption on", "set storage_encrypted=True with kms_key_id")
def _rds_key(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("kmsKeyId") and props.get("storageEncrypted") is False:
        yield "storageEncrypted", False, "kmsKeyId given"


@_rds("rds-mysql-credentials", "MySQL: user 1-16 letters/digits/_ from a letter; password 8-41 printable "
      "characters without / \" @ or space; database name 1-64 letters/digits/_ from a letter",
      "change the user, password alphabet or database name")
def _rds_credentials(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("engine") != "mysql":
        return
    user, password, db = _str(props.get("username")), _str(props.get("password")), _str(props.get("dbName"))
    if user is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,15}", user):
        yield "username", user, "not a valid MySQL master user"
    if (password is not None and not re.fullmatch(r"[\x21-\x7e]{8,41}", password)) or \
            (password is not None and re.search(r'[/"@ ]', password)):
        yield "password", "(secret)", "length or characters not accepted"
    if db is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", db):
        yield "dbName", db, "not a valid MySQL database name"
