"""Create-time constraints: ElastiCache replication groups (CreateReplicationGroup)."""

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


def _cache(id: str, rule: str, fix: str) -> Callable[[ResourceCheck], ResourceCheck]:
    return constraint(id, ["aws:elasticache/replicationGroup:ReplicationGroup"], rule=rule, fix=fix,
                      reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/"
                                "API_CreateReplicationGroup.html")

REDIS_TOKEN = re.compile(r"[A-Za-z0-9!&#$^<>-]{16,128}")


@_cache("elasticache-failover", "automatic failover and Multi-AZ need at least 2 nodes; Multi-AZ needs failover",
        "set num_cache_clusters >= 2 and automatic_failover_enabled=True with multi_az_enabled")
def _cache_failover(props: Mapping[str, Any]) -> Iterable[Finding]:
    nodes = _num(props.get("numCacheClusters"))
    if props.get("multiAzEnabled") is True and props.get("automaticFailoverEnabled") is not True:
        yield "automaticFailoverEnabled", props.get("automaticFailoverEnabled"), "Multi-AZ without failover"
    if (props.get("automaticFailoverEnabled") is True or props.get("multiAzEnabled") is True) \
            and nodes is not None and nodes < 2:
        yield "numCacheClusters", nodes, "failover with a single node"
    if nodes is not None and not 1 <= nodes <= 6:
        yield "numCacheClusters", nodes, "outside 1-6"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@_cache("elasticache-transit-encryption", "transit_encryption_mode needs transit encryption on and Redis OSS "
        "7.0.5+ (or Valkey); an AUTH token needs transit encryption and 16-128 characters of "
        "letters, digits and !&#$^<>-", "enable transit encryption, raise the engine version, or fix the token")
def _cache_transit(props: Mapping[str, Any]) -> Iterable[Finding]:
    version = _str(props.get("engineVersion"))
    if props.get("transitEncryptionMode") is not None:
        if props.get("transitEncryptionEnabled") is not True:
            yield "transitEncryptionEnabled", props.get("transitEncryptionEnabled"), "mode set without encryption"
        parts = _version_tuple(version or "")
        # "7.0" asks for the newest 7.0 patch (7.0.7), which qualifies; "6.2" or "7.0.4" do not.
        if props.get("engine", "redis") == "redis" and parts and (parts[:2] < (7, 0) or (
                len(parts) == 3 and parts < (7, 0, 5))):
            yield "engineVersion", version, "transit encryption mode needs Redis OSS 7.0.5 or later"
    token = props.get("authToken")
    if isinstance(token, str):
        if props.get("transitEncryptionEnabled") is not True:
            yield "authToken", "(secret)", "AUTH without transit encryption"
        if not REDIS_TOKEN.fullmatch(token):
            yield "authToken", "(secret)", "length or characters not accepted"


@_cache("elasticache-windows", "snapshot and maintenance windows in UTC, each at least 60 minutes, not "
        "overlapping", "widen the window to 60 minutes or more and keep them apart")
def _cache_windows(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _window_findings(props, "snapshotWindow", "maintenanceWindow", 60, 60)


@_cache("elasticache-snapshot-retention", "0-35 days", "set snapshot_retention_limit between 0 and 35")
def _cache_retention(props: Mapping[str, Any]) -> Iterable[Finding]:
    yield from _outside(props, "snapshotRetentionLimit", 0, 35)
