"""The deployment guide's literal production spec, as config overrides of the production stack,
so both are priced by the same rules, price files and usage file.

Where the guide names a value, the spec takes it (the citation says where); where it is silent
(OpenSearch — the guide runs a self-managed ELK — and everything the guide does not size) the
spec keeps the program's defaults before any cost lever.
"""

from __future__ import annotations

import json
from typing import Any

from ...engine.runner import load_cli_config

# key -> (value, where the guide says so); readReplicas and services are derived below.
GUIDE_SPEC: dict[str, tuple[Any, str]] = {
    "dbInstanceClass": ("db.r5.xlarge", "RDS Configuration: DBInstanceClass db.r5.xlarge, MultiAZ true"),
    "dbInsightsMode": ("standard", "EnablePerformanceInsights: true — the free tier (7 days), no advanced mode"),
    "dbPerformanceInsightsRetentionDays": (7, "the free Performance Insights retention"),
    "cacheEngine": ("redis", "ElastiCache Redis, Engine: redis"),
    "cacheEngineVersion": ("7.0", "EngineVersion '7.0'"),
    "redisNodeType": ("cache.r6g.large", "CacheNodeType cache.r6g.large"),
    "redisNodeCount": (3, "NumCacheNodes 3"),
    "cpuArchitecture": ("X86_64", "docker-compose images built for x86 (no ARM runtime platform)"),
    "fargateBase": (0, "ECS with FARGATE weight 1 as the default strategy"),
    "fargateWeight": (1, "default_capacity_provider_strategy FARGATE weight 1"),
    "fargateSpotWeight": (0, "no Spot weight in the strategy"),
    "interfaceEndpoints": ([], "the VPC module creates no interface endpoints (traffic to AWS APIs via NAT)"),
    "logInfrequentAccess": (False, "no log class chosen (Standard)"),
    "openSearchInstanceType": ("r7g.large.search", "silent (self-managed ELK): the program's default"),
}
REPLICA_CLASS = ("db.r5.large", "ReadReplicas: InstanceClass db.r5.large (us-east-1b, us-west-2a)")
# The guide's us-west-2 replica is the DR stack's database here: priced as production-dr's, at
# the guide's class (README, "Cost against the guide").
DR_STACK = "production-dr"
DR_DATABASE = "data-mysql"


def guide_dr_overrides() -> dict[str, Any]:
    """Overrides giving the DR stack's database the guide's replica class."""
    return {"dbInstanceClass": REPLICA_CLASS[0]}


def guide_overrides() -> dict[str, Any]:
    """Overrides turning the production stack into the guide's literal spec."""
    production, _, _ = load_cli_config("production")
    overrides: dict[str, Any] = {key: value for key, (value, _) in GUIDE_SPEC.items()}
    replicas = json.loads(production["elite-locadora:readReplicas"])
    overrides["readReplicas"] = [{**r, "instanceClass": REPLICA_CLASS[0], "insightsMode": "standard"}
                                 for r in replicas]
    services = json.loads(production["elite-locadora:services"])
    overrides["services"] = [{k: v for k, v in s.items() if k != "capacity"} for s in services]
    return overrides


# Cost levers production takes, each undone by these overrides (so its saving is computed, not
# typed), and what it trades. Availability, zone, replica and node counts stay as they are.
LEVERS: dict[str, tuple[dict[str, Any], str]] = {
    "ElastiCache for Valkey instead of Redis OSS": (
        {"cacheEngine": "redis", "cacheEngineVersion": "7.1"},
        "none for the application (same protocol, AUTH, TLS, failover); Valkey 8 is a fork of Redis OSS 7.2"),
    "Database Insights standard mode (advanced only where configured)": (
        {"dbInsightsMode": "advanced", "dbPerformanceInsightsRetentionDays": 465},
        "7 days of Performance Insights instead of 15 months and no execution plans; per instance "
        "(dbInsightsMode, readReplicas[].insightsMode)"),
    "CloudWatch Logs Infrequent Access class for unsubscribed log groups": (
        {"logInfrequentAccess": False},
        "no Live Tail, metric or subscription filters on flow, database, cache and search-domain logs; "
        "Logs Insights queries still work"),
    "A Spot share for the queue worker": (
        {"services": "production without capacity"},
        "one worker stays on demand; the other may be reclaimed (jobs retry, --tries=3)"),
    "OpenSearch general-purpose data nodes (m6g.large.search)": (
        {"openSearchInstanceType": "r7g.large.search"},
        "8 GiB instead of 16 GiB per data node: heap for the current log volume, revisit above ~300 GB/month"),
    "Interface endpoints in two of the three zones": (
        {"interfaceEndpointZones": 0},
        "tasks in the third zone reach the endpoints across zones (cents of transfer); either endpoint zone may fail"),
    "No Secrets Manager interface endpoint": (
        {"interfaceEndpoints": ["ecr.api", "ecr.dkr", "logs", "ssm", "secretsmanager"]},
        "none: the program keeps its secrets in SSM Parameter Store"),
}


def lever_overrides(name: str) -> dict[str, Any]:
    overrides = dict(LEVERS[name][0])
    if overrides.get("services") == "production without capacity":
        production, _, _ = load_cli_config("production")
        overrides["services"] = [{k: v for k, v in s.items() if k != "capacity"}
                                 for s in json.loads(production["elite-locadora:services"])]
    return overrides
