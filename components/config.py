"""The stack's settings: `pulumi.Config` -> one validated, typed object.

Defaults live in Pulumi.yaml (the CLI merges them under the stack file); this module only
validates. Every environment difference is a value here, never a branch on the stack name.
A bad value stops the program in `load_stack_config`, before any resource is registered,
with one message naming the key, the value and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pulumi
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .naming import stack_name_problem

PROJECT = "elite-locadora"
PROJECT_DIR = Path(__file__).resolve().parents[1]

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)
ENHANCED_MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
# CloudFront viewer policies with a TLS 1.2 floor, oldest first.
CLOUDFRONT_TLS12_POLICIES = ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025",
                             "TLSv1.3_2025")
CLOUDFRONT_ALLOWED_POLICIES = CLOUDFRONT_TLS12_POLICIES[2:]
# Fargate task sizes: CPU units -> allowed memory (MiB).
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$")
# ElastiCache engine versions the program accepts (each with a parameter group family).
CACHE_ENGINE_VERSIONS = {"valkey": ("7.2", "8.0", "8.1"), "redis": ("7.0", "7.1")}
# `compute-<name>-tg-xxxxxxx` within ELB's 32 characters.
MAX_PUBLIC_SERVICE_NAME = 32 - len("compute--tg") - 8
# A DR stack's service runs the image its primary stack runs for the same service, pulled from
# this region's replica of the repository.
FROM_PRIMARY = "primary"
DR_MODES = ("", "standby", "active")
# Keys drActive may not change: what makes the stack a DR stack, and where and whose it is.
DR_FIXED_KEYS = ("standbyFor", "drMode", "drActive", "originFailover", "accountId")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


class ConfigError(pulumi.RunError):
    """Bad stack configuration; the message names the key, the value and what is allowed."""


# --- field validators ----------------------------------------------------------------------


def _private_16(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 network like 10.0.0.0/16 ({exc})") from None
    if net.prefixlen != 16:
        raise ValueError("must be a /16: the subnet layout carves /24s at fixed offsets")
    if not any(net.subnet_of(ipaddress.IPv4Network(r)) for r in
               ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")):
        raise ValueError("must be an RFC 1918 private range (10/8, 172.16/12, 192.168/16)")
    return value


# The regions this project has prices (policies/elite_policies/pricing/prices-<region>.json) and zone data
# for: providers skip region validation, so a typo would otherwise reach AWS only at `up`.
SUPPORTED_REGIONS = ("us-east-1", "us-west-2")
# A tag value as AWS accepts it: letters, digits, spaces and _ . : / = + - @, at most 256.
_TAG_VALUE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


def _tag_value(value: str) -> str:
    if not _TAG_VALUE.match(value):
        raise ValueError("must be a tag value AWS accepts: 1-256 letters, digits, spaces and _ . : / = + - @")
    return value


TagValue = Annotated[str, AfterValidator(_tag_value)]


def _region(value: str) -> str:
    if not _AWS_REGION.match(value):
        raise ValueError("must be an AWS region code such as us-east-1")
    if value not in SUPPORTED_REGIONS:
        raise ValueError(f"must be one of the regions this project has prices and zone data for: "
                         f"{', '.join(SUPPORTED_REGIONS)} (another needs its prices-<region>.json and zones)")
    return value


def at(field: str, message: str) -> ValueError:
    """A model validator's error about one field of the entry (its path in the message)."""
    return ValueError(f"@{field} {message}")


def _daily_window(value: str) -> str:
    if not _DAILY_WINDOW.match(value):
        raise ValueError("must be a daily UTC window hh24:mi-hh24:mi, e.g. 03:00-04:00")
    return value


def _weekly_window(value: str) -> str:
    if not _WEEKLY_WINDOW.match(value):
        raise ValueError("must be a weekly UTC window ddd:hh24:mi-ddd:hh24:mi, "
                         "e.g. sun:05:00-sun:06:00")
    return value


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))}")
    return value


def _monitoring_interval(value: int) -> int:
    if value not in ENHANCED_MONITORING_INTERVALS:
        raise ValueError(f"must be one of {', '.join(map(str, ENHANCED_MONITORING_INTERVALS))}")
    return value


def _mysql_version(value: str) -> str:
    if not re.match(r"^8\.(0|4)(\.\d+)?$", value):
        raise ValueError("must be a MySQL 8.4 or 8.0 version, e.g. 8.4 or 8.4.7")
    return value


def _dr_mode(value: str) -> str:
    if value not in DR_MODES:
        raise ValueError("must be standby or active (or empty outside a DR stack)")
    return value


def _dedicated_masters(value: int) -> int:
    if value not in (0, 3, 5):
        raise ValueError("must be 0 (none), 3 or 5: OpenSearch needs an odd quorum of dedicated masters")
    return value


Region = Annotated[str, AfterValidator(_region)]
StackName = Annotated[str, Field(pattern=r"^([a-z0-9]+(-[a-z0-9]+)*)?$", max_length=40)]
PrivateCidr16 = Annotated[str, AfterValidator(_private_16)]
DailyWindow = Annotated[str, AfterValidator(_daily_window)]
WeeklyWindow = Annotated[str, AfterValidator(_weekly_window)]
LogRetention = Annotated[int, AfterValidator(_log_retention)]
AzCount = Annotated[int, Field(ge=2, le=6)]


def _minutes(day: int, hh: str, mm: str) -> int:
    return day * 24 * 60 + int(hh) * 60 + int(mm)


def _weekly_span(window: str) -> set[int]:
    d1, h1, m1, d2, h2, m2 = _WEEKLY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    start, end = _minutes(_DAYS.index(d1), h1, m1), _minutes(_DAYS.index(d2), h2, m2)
    length = (end - start) % _WEEK
    return {(start + i) % _WEEK for i in range(length)}


def _daily_span(window: str) -> set[int]:
    h1, m1, h2, m2 = _DAILY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
    length = (end - start) % (24 * 60)
    return {(day * 24 * 60 + start + i) % _WEEK for day in range(7) for i in range(length)}


def daily_window_minutes(window: str) -> int:
    """Length of a daily UTC window (it may wrap past midnight)."""
    h1, m1, h2, m2 = _DAILY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    return (int(h2) * 60 + int(m2) - int(h1) * 60 - int(m1)) % (24 * 60)


def weekly_window_minutes(window: str) -> int:
    """Length of a weekly UTC window (it may wrap past Sunday)."""
    return len(_weekly_span(window))


def is_daily_window(value: str) -> bool:
    return bool(_DAILY_WINDOW.match(value))


def is_weekly_window(value: str) -> bool:
    return bool(_WEEKLY_WINDOW.match(value))


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily window (backups, snapshots) meets a weekly maintenance window."""
    return bool(_daily_span(daily) & _weekly_span(weekly))


# --- the model -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              frozen=True)


# The instance classes this platform is sized, tested and priced for (policies/elite_policies/
# pricing/prices-<region>.json has each; tests/test_estimates.py keeps the two in step). A class outside
# the list is refused here rather than priced at nothing by the budget.
DbInstanceClass = Literal["db.t4g.medium", "db.t4g.large", "db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge",
                          "db.r7g.large", "db.r7g.xlarge", "db.r5.large", "db.r5.xlarge"]
CacheNodeType = Literal["cache.t4g.small", "cache.t4g.medium", "cache.r6g.large", "cache.r6g.xlarge",
                        "cache.r7g.large"]


class ReadReplica(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z](-?[a-z0-9]){0,39}$")]
    region: Region
    availability_zone: str
    instance_class: DbInstanceClass
    # Database Insights advanced mode bills per vCPU-hour: on where a replica serves queries that
    # need its 15-month history, standard (free) elsewhere.
    insights_mode: Literal["standard", "advanced"] = "standard"

    @model_validator(mode="after")
    def _az_in_region(self) -> ReadReplica:
        if not re.fullmatch(re.escape(self.region) + r"[a-z]", self.availability_zone):
            raise ValueError(f"availabilityZone {self.availability_zone!r} is not a zone of "
                             f"{self.region} (expected e.g. {self.region}a)")
        return self


class AdoptedDatabase(_Model):
    """Create-time settings of a database this stack adopted from another tool (`preflight adopt`)
    that RDS cannot change in place: kept, the first `up` updates the instance instead of
    replacing it. Empty for a database this program created."""

    identifier: Annotated[str, Field(pattern=r"^[a-z](-?[a-z0-9]){0,62}$")] | None = None
    username: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")] | None = None
    # A single-region key id is a UUID; a multi-Region key's is mrk- and 32 hex digits.
    kms_key_arn: Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/"
                                              r"([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")] \
        | None = None


class ServiceCapacity(_Model):
    """A service's own FARGATE / FARGATE_SPOT split (otherwise the cluster's default strategy):
    `onDemandBase` tasks always on demand, the rest split by the weights."""

    on_demand_base: Annotated[int, Field(ge=0, le=100000)] = 0
    on_demand_weight: Annotated[int, Field(ge=0, le=1000)] = 0
    spot_weight: Annotated[int, Field(ge=0, le=1000)] = 1

    @model_validator(mode="after")
    def _some_weight(self) -> ServiceCapacity:
        if self.on_demand_weight + self.spot_weight == 0:
            raise ValueError("onDemandWeight + spotWeight must be positive")
        return self


class ServiceSpec(_Model):
    """One ECS service; adding a service is one more entry of this shape."""

    name: Annotated[str, Field(pattern=r"^[a-z](-?[a-z0-9]){0,30}$")]
    # web: the React/Nginx front end (ALB default route); api: the Laravel HTTP API;
    # worker: Laravel without a port (queue workers, schedulers). The kind decides environment,
    # secrets and permissions; the entry decides size, image, routes and counts.
    kind: Literal["web", "api", "worker"]
    image: Annotated[str, Field(min_length=1)]
    repository: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")] | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    paths: list[Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_*.-]*$")]] = Field(default_factory=list)
    writable_paths: list[Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.-]+$")]] = Field(default_factory=list)
    cpu: int
    memory: int
    desired_count: Annotated[int, Field(ge=0)]
    min_count: Annotated[int, Field(ge=0)]
    max_count: Annotated[int, Field(ge=1)]
    public: bool = False
    command: list[str] | None = None
    health_check_path: str = "/health"
    capacity: ServiceCapacity | None = None

    @model_validator(mode="after")
    def _fargate_size_and_bounds(self) -> ServiceSpec:
        allowed = FARGATE_MEMORY.get(self.cpu, ())
        if not allowed:
            raise at("cpu", f"cpu {self.cpu} is not a Fargate size "
                             f"({', '.join(map(str, FARGATE_MEMORY))})")
        if self.memory not in allowed:
            raise at("memory", f"memory {self.memory} MiB is not valid with cpu {self.cpu} "
                             f"(Fargate allows {allowed[0]}-{allowed[-1]} MiB in its steps)")
        if not self.min_count <= self.desired_count <= self.max_count:
            raise at("desiredCount", f"counts must satisfy minCount <= desiredCount <= maxCount "
                             f"(got {self.min_count} <= {self.desired_count} <= {self.max_count})")
        if self.public and self.port is None:
            raise at("port", "a public service needs a port for the load balancer")
        if self.image == "placeholder" and self.port and "/tmp" not in self.writable_paths:  # noqa: S108
            raise at("writablePaths", "the placeholder image serves its health path from /tmp: add /tmp to "
                     "writablePaths")
        if self.kind == "worker" and (self.public or self.port is not None):
            raise at("port", "a worker has no port and is not public")
        if self.public and self.kind == "api" and not self.paths:
            raise at("paths", "a public api service needs paths (e.g. [/api/*]) to route to it")
        return self

    @property
    def repository_name(self) -> str:
        return self.repository or self.name


class StackConfig(_Model):
    """Every setting of a stack. Field names are snake_case; config keys are their camelCase."""

    region: Region = Field(alias="aws:region")
    owner: TagValue
    cost_center: TagValue
    protect_stateful_resources: bool
    account_id: Annotated[str, Field(pattern=r"^(\d{12})?$")]
    permissions_boundary_policy: Annotated[str, Field(pattern=r"^([\w+=,.@-]{1,128})?$")]

    vpc_cidr: PrivateCidr16
    az_count: AzCount
    nat_strategy: Literal["one-per-az", "single", "none"]
    vpn_gateway: bool
    vpn_amazon_side_asn: int
    flow_log_traffic_type: Literal["ALL", "ACCEPT", "REJECT"]
    interface_endpoints: list[Annotated[str, Field(pattern=r"^[a-z0-9.-]+$")]]
    interface_endpoint_zones: Annotated[int, Field(ge=0, le=6)]

    # Disaster recovery: a standby stack of this program in another region (README, "Disaster
    # recovery"). `standbyFor` names the stack whose data it protects; `drMode` is its state;
    # `drActive` holds the config that `drMode: active` lays over the stack file.
    standby_for: StackName
    dr_mode: Annotated[str, AfterValidator(_dr_mode)]
    dr_active: dict[str, Any]
    origin_failover: bool
    # The DR stack whose assets replica CloudFront reads when this stack's bucket fails.
    assets_failover_stack: StackName

    log_retention_days: LogRetention
    log_infrequent_access: bool
    # The account baseline's Macie job reads the customers/ documents: the storage key lets
    # Macie's service-linked role decrypt them through S3 (the baseline, deployed first, creates it).
    macie_reads_documents: bool

    db_engine_version: Annotated[str, AfterValidator(_mysql_version)]
    db_instance_class: DbInstanceClass
    db_allocated_storage_gib: Annotated[int, Field(ge=20, le=65536)]
    db_max_allocated_storage_gib: Annotated[int, Field(ge=20, le=65536)]
    db_multi_az: bool
    db_backup_retention_days: Annotated[int, Field(ge=1, le=35)]
    db_backup_window: DailyWindow
    db_maintenance_window: WeeklyWindow
    db_max_connections: Annotated[int, Field(ge=10, le=100000)]
    db_deletion_protection: bool
    db_insights_mode: Literal["standard", "advanced"]
    db_performance_insights_retention_days: int
    db_monitoring_interval_seconds: Annotated[int, AfterValidator(_monitoring_interval)]
    read_replicas: list[ReadReplica]
    adopted_database: AdoptedDatabase

    cache_engine: Literal["valkey", "redis"]
    cache_engine_version: Annotated[str, Field(pattern=r"^\d+\.\d+$")]
    redis_node_type: CacheNodeType
    redis_node_count: Annotated[int, Field(ge=2, le=6)]
    redis_snapshot_retention_days: Annotated[int, Field(ge=1, le=35)]
    redis_snapshot_window: DailyWindow
    redis_maintenance_window: WeeklyWindow

    # An existing bucket the stack adopted (`preflight adopt`): S3 cannot rename a bucket.
    adopted_assets_bucket: Annotated[str, Field(pattern=r"^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$")]
    assets_infrequent_access_days: Annotated[int, Field(ge=30)]
    assets_glacier_days: Annotated[int, Field(ge=1)]
    assets_expiration_days: Annotated[int, Field(ge=1)]
    require_supplied_secrets: bool

    cpu_architecture: Literal["ARM64", "X86_64"]
    fargate_base: Annotated[int, Field(ge=0, le=100000)]
    fargate_weight: Annotated[int, Field(ge=0, le=1000)]
    fargate_spot_weight: Annotated[int, Field(ge=0, le=1000)]
    services: Annotated[list[ServiceSpec], Field(min_length=1)]
    alb_tls_policy: Annotated[str, Field(pattern=r"^ELBSecurityPolicy-TLS13-1-[23]-")]
    alb_deletion_protection: bool
    alb_only_from_cloud_front: bool = Field(alias="albOnlyFromCloudFront")

    domain_name: Annotated[str, Field(pattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$")]
    create_hosted_zone: bool
    site_names: Annotated[list[str], Field(min_length=1)]
    api_name: str
    cloudfront_minimum_protocol: Literal[CLOUDFRONT_ALLOWED_POLICIES]  # type: ignore[valid-type]
    cloudfront_price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"]
    waf_rate_limit: Annotated[int, Field(ge=10, le=2_000_000_000)]

    alarm_emails: list[EmailStr]
    alarm_ecs_cpu_percent: Annotated[int, Field(ge=1, le=100)]
    alarm_ecs_memory_percent: Annotated[int, Field(ge=1, le=100)]
    alarm_db_connections: Annotated[int, Field(ge=1)]
    alarm_alb_response_time_seconds: Annotated[int, Field(ge=1, le=60)]
    alarm_db_cpu_percent: Annotated[int, Field(ge=1, le=100)]
    alarm_db_free_storage_gib: Annotated[int, Field(ge=1)]
    alarm_replica_lag_seconds: Annotated[int, Field(ge=1)]
    alarm_redis_cpu_percent: Annotated[int, Field(ge=1, le=100)]
    alarm_redis_memory_percent: Annotated[int, Field(ge=1, le=100)]
    alarm_redis_evictions: Annotated[int, Field(ge=1)]
    alarm_alb5xx_count: Annotated[int, Field(ge=1)] = Field(alias="alarmAlb5xxCount")
    log_aggregation: bool
    open_search_service_linked_role: bool
    open_search_engine_version: Annotated[str, Field(pattern=r"^OpenSearch_\d+\.\d+$")]
    open_search_instance_type: Annotated[str, Field(pattern=r"^[a-z0-9]+\.[a-z0-9]+\.search$")]
    open_search_instance_count: Annotated[int, Field(ge=1, le=80)]
    open_search_volume_gib: Annotated[int, Field(ge=10, le=16384)]
    open_search_dedicated_master_count: Annotated[int, AfterValidator(_dedicated_masters)]
    open_search_dedicated_master_type: Annotated[str, Field(pattern=r"^[a-z0-9]+\.[a-z0-9]+\.search$")]
    waf_managed_rule_groups: Annotated[list[Annotated[str, Field(pattern=r"^AWSManagedRules[A-Za-z0-9]+$")]],
                                       Field(max_length=8)]

    @model_validator(mode="after")
    def _cross_field_rules(self) -> StackConfig:
        _check(self.interface_endpoint_zones == 0 or 2 <= self.interface_endpoint_zones <= self.az_count,
               "interfaceEndpointZones", self.interface_endpoint_zones,
               f"0 (every zone) or 2-{self.az_count} (azCount): one zone alone would be a single point of failure")
        _check(not self.standby_for or bool(self.dr_mode), "drMode", self.dr_mode,
               f"standby or active: standbyFor ({self.standby_for}) makes this a DR stack")
        _check(not self.dr_mode or bool(self.standby_for), "standbyFor", self.standby_for,
               f"the stack this DR stack protects (drMode is {self.dr_mode!r})")
        _check(not (self.standby_for and self.create_hosted_zone), "createHostedZone", True,
               "false in a DR stack: the zone is the primary's (looked up by domainName)")
        _check(not (self.standby_for and self.assets_failover_stack), "assetsFailoverStack", self.assets_failover_stack,
               "empty in a DR stack: the primary's CloudFront reads this stack's replica")
        _check(not (self.standby_for and self.origin_failover), "originFailover", True,
               "false in a DR stack: its origin record is the SECONDARY one; the primary stack sets originFailover")
        if self.nat_strategy == "none":
            # Private subnets without NAT reach only the VPC endpoints: no public registry, no Stripe.
            for index, service in enumerate(self.services):
                public_image = service.image == "placeholder" or (service.image != FROM_PRIMARY
                                                                  and ".dkr.ecr." not in service.image)
                _check(not public_image, "natStrategy", "none",
                       f"one-per-az or single: services[{index}] ({service.name}) pulls "
                       f"{service.image!r} from a public registry, which private subnets reach only through NAT")
                _check(service.kind == "web", "natStrategy", "none",
                       f"one-per-az or single: services[{index}] ({service.name}, kind {service.kind}) calls "
                       "Stripe's API on the internet, which private subnets reach only through NAT")
        for index, service in enumerate(self.services):
            _check(service.image != FROM_PRIMARY or bool(self.standby_for), f"services[{index}].image",
                   service.image, f"an image reference: {FROM_PRIMARY!r} is for DR stacks (standbyFor)")
        _check(64512 <= self.vpn_amazon_side_asn <= 65534
               or 4200000000 <= self.vpn_amazon_side_asn <= 4294967294,
               "vpnAmazonSideAsn", self.vpn_amazon_side_asn,
               "a private ASN: 64512-65534 or 4200000000-4294967294")
        for replica in self.read_replicas:
            _check(replica.region == self.region, "readReplicas", f"{replica.name} in {replica.region}",
                   f"a replica in aws:region ({self.region}); another region's copy is a DR stack "
                   "(standbyFor, README \"Disaster recovery\")")
        names = [r.name for r in self.read_replicas]
        _check(len(names) == len(set(names)), "readReplicas", names, "unique replica names")
        _check(not windows_overlap(self.db_backup_window, self.db_maintenance_window),
               "dbMaintenanceWindow", self.db_maintenance_window,
               f"a window that does not overlap dbBackupWindow {self.db_backup_window}")
        _check(not windows_overlap(self.redis_snapshot_window, self.redis_maintenance_window),
               "redisMaintenanceWindow", self.redis_maintenance_window,
               f"a window that does not overlap redisSnapshotWindow {self.redis_snapshot_window}")
        # RDS: both windows at least 30 minutes; ElastiCache: both at least 60 minutes.
        for key, window, minimum in (("dbBackupWindow", self.db_backup_window, 30),
                                     ("redisSnapshotWindow", self.redis_snapshot_window, 60)):
            _check(daily_window_minutes(window) >= minimum, key, window,
                   f"a window of at least {minimum} minutes (AWS rejects shorter ones)")
        for key, window, minimum in (("dbMaintenanceWindow", self.db_maintenance_window, 30),
                                     ("redisMaintenanceWindow", self.redis_maintenance_window, 60)):
            _check(weekly_window_minutes(window) >= minimum, key, window,
                   f"a window of at least {minimum} minutes (AWS rejects shorter ones)")
        # Storage autoscaling needs headroom: RDS wants the threshold 10 % above the allocation.
        _check(self.db_max_allocated_storage_gib * 10 >= self.db_allocated_storage_gib * 11,
               "dbMaxAllocatedStorageGib", self.db_max_allocated_storage_gib,
               f"at least 10 % above dbAllocatedStorageGib ({self.db_allocated_storage_gib})")
        for index, service in enumerate(self.services):
            # A public service's target group is auto-named `compute-<name>-tg` plus Pulumi's
            # 8-character suffix, and ELB names stop at 32 characters.
            _check(not service.public or len(service.name) <= MAX_PUBLIC_SERVICE_NAME, f"services[{index}].name",
                   service.name, f"at most {MAX_PUBLIC_SERVICE_NAME} characters for a public service "
                   "(its target group name must fit ELB's 32)")
        retention = self.db_performance_insights_retention_days
        _check(retention in (7, 731) or (retention % 31 == 0 and retention <= 713),
               "dbPerformanceInsightsRetentionDays", retention,
               "7, a multiple of 31 up to 713 (465 is 15 months), or 731")
        _check(self.db_insights_mode == "standard" or retention >= 465,
               "dbPerformanceInsightsRetentionDays", retention,
               "465 or more when dbInsightsMode is advanced")
        _check(self.assets_infrequent_access_days < self.assets_glacier_days
               < self.assets_expiration_days, "assetsGlacierDays", self.assets_glacier_days,
               "assetsInfrequentAccessDays < assetsGlacierDays < assetsExpirationDays")
        _check(self.fargate_weight + self.fargate_spot_weight > 0, "fargateWeight",
               self.fargate_weight, "a positive weight on FARGATE or FARGATE_SPOT")
        defaults = [s.name for s in self.services if s.public and s.kind == "web"]
        _check(len(defaults) == 1, "services", defaults,
               "exactly one public service of kind web (the load balancer's default route)")
        service_names = [s.name for s in self.services]
        _check(len(service_names) == len(set(service_names)), "services", service_names,
               "unique service names")
        _check(self.open_search_instance_count % min(self.az_count, 3) == 0 or
               not self.log_aggregation, "openSearchInstanceCount",
               self.open_search_instance_count,
               f"a multiple of the zone count ({min(self.az_count, 3)})")
        versions = CACHE_ENGINE_VERSIONS[self.cache_engine]
        _check(self.cache_engine_version in versions, "cacheEngineVersion", self.cache_engine_version,
               f"a {self.cache_engine} version ElastiCache offers: {', '.join(versions)}")
        _check(self.db_insights_mode == "standard" or self.db_performance_insights_retention_days >= 465
               or not any(r.insights_mode == "advanced" for r in self.read_replicas), "readReplicas",
               [r.name for r in self.read_replicas if r.insights_mode == "advanced"],
               "insightsMode advanced only with dbPerformanceInsightsRetentionDays >= 465")
        _check(len(set(self.waf_managed_rule_groups)) == len(self.waf_managed_rule_groups)
               and "AWSManagedRulesCommonRuleSet" not in self.waf_managed_rule_groups, "wafManagedRuleGroups",
               self.waf_managed_rule_groups, "distinct AWS managed rule groups other than AWSManagedRulesCommonRuleSet "
               "(always priority 1)")
        for name in [*self.site_names, self.api_name]:
            _check(name == self.domain_name or name.endswith("." + self.domain_name),
                   "siteNames/apiName", name, f"a name within domainName {self.domain_name}")
        return self

    @property
    def cache_parameter_group_family(self) -> str:
        return self.cache_engine + self.cache_engine_version.split(".")[0]

    @property
    def db_parameter_group_family(self) -> str:
        return "mysql" + ".".join(self.db_engine_version.split(".")[:2])


class _RuleError(ValueError):
    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"{_qualified(key)} = {value!r}: must be {allowed}")


def _check(ok: bool, key: str, value: Any, allowed: str) -> None:
    if not ok:
        raise _RuleError(key, value, allowed)


def _qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


@dataclass(frozen=True)
class SuppliedSecrets:
    """Secrets a person sets with `pulumi config set --secret`; they stay secret Outputs."""

    stripe_secret_key: pulumi.Output[str] | None
    stripe_public_key: pulumi.Output[str] | None


SUPPLIED_SECRET_KEYS = ("stripeSecretKey", "stripePublicKey")


@dataclass(frozen=True)
class Settings:
    stack: str
    config: StackConfig
    secrets: SuppliedSecrets
    primary_region: str | None = None  # a DR stack's: where standbyFor runs
    assets_failover_region: str | None = None  # where assetsFailoverStack runs

    @property
    def environment(self) -> str:
        """The environment a stack belongs to: a DR stack is its primary's (same deploy role,
        same parameter names, same Environment tag)."""
        return self.config.standby_for or self.stack


def _raw_value(cfg: pulumi.Config, key: str) -> Any:
    raw = cfg.get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw) if raw[:1] in "[{" else raw
    except json.JSONDecodeError:
        return raw


def _as_written(value: Any) -> Any:
    # The CLI hands scalars over as strings; show 40 as 40, not '40'.
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        return parsed if isinstance(parsed, (int, float, bool)) else value
    return value


def _format(error: ValidationError, raw: dict[str, Any], stack: str, overlaid: frozenset[str] = frozenset()) -> str:
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        key = _qualified(loc[0]) if loc else PROJECT
        where = key + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        if loc and loc[0] in overlaid:
            where += " (as drActive sets it)"
        message = item["msg"].removeprefix("Value error, ")
        if message.startswith("@"):  # a model validator's error about one field of the entry
            field, _, message = message[1:].partition(" ")
            entry = item.get("input")
            where += f".{field}"
            lines.append(f"{where} = {_as_written(entry.get(field) if isinstance(entry, dict) else None)!r}: "
                         f"{message}")
            continue
        if message.startswith(PROJECT + ":") or message.startswith("aws:"):
            lines.append(message)
        elif item["type"] == "missing" and len(loc) == 1:
            lines.append(f"{where} is not set: declare it in Pulumi.yaml or Pulumi.{stack}.yaml")
        elif item["type"] == "missing":
            lines.append(f"{where} is required")
        else:
            value = _as_written(raw.get(loc[0]) if loc and len(loc) == 1 else item.get("input"))
            lines.append(f"{where} = {value!r}: {message}")
    return f"invalid configuration for stack {stack!r}:\n  " + "\n  ".join(lines)


def _aws_provider_keys() -> set[str]:
    """The AWS provider's own config keys (aws:region, aws:profile, aws:defaultTags …), from the
    pinned SDK's config module."""
    from pulumi_aws.config import vars as provider_config

    return {f"aws:{to_camel(name)}" for name, member in vars(provider_config._ExportableConfig).items()
            if isinstance(member, property)}


def _unknown_keys() -> list[str]:
    """Each key of the stack's config that nothing reads, with the nearest known key: a typo in
    a key (natStategy, aws:regoin, elitelocadora:natStrategy) would otherwise be ignored silently
    and its default used."""
    from difflib import get_close_matches

    from pulumi.runtime.config import CONFIG  # the SDK's own view of the stack's config

    known = {_qualified(to_camel(name) if field.alias is None else field.alias)
             for name, field in StackConfig.model_fields.items()}
    known |= {_qualified(k) for k in SUPPLIED_SECRET_KEYS} | _aws_provider_keys()
    found = []
    for key in sorted(CONFIG.get()):
        namespace = key.partition(":")[0]
        if key in known or namespace == "pulumi":
            continue
        if namespace not in (PROJECT, "aws"):
            # Another namespace: a misspelt project name most likely (nothing else is read).
            near = get_close_matches(_qualified(key.partition(":")[2]), sorted(known), n=1)
        else:
            near = get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        found.append(f"{key}" + (f" (did you mean {near[0]}?)" if near else ""))
    return found


def _with_suggestion(key: str, known: set[str]) -> str:
    from difflib import get_close_matches

    near = get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f"{key} (did you mean {near[0]}?)" if near else key


def _plaintext_secrets() -> list[str]:
    """Supplied secrets written in plain text (a stack file's `key: sk_live_…`, not `secure:`)."""
    from pulumi.runtime.config import CONFIG, is_config_secret

    return [_qualified(k) for k in SUPPLIED_SECRET_KEYS
            if _qualified(k) in CONFIG.get() and not is_config_secret(_qualified(k))]


def stack_file_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Another stack's settings as its file and Pulumi.yaml's defaults give them (plain values,
    full keys). A DR stack reads its primary's this way: region and failover are settled before
    any resource, the StackReference then supplies what only a deployment knows."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise FileNotFoundError(path)
    values: dict[str, Any] = {}
    for key, decl in (yaml.safe_load((project_dir / "Pulumi.yaml").read_text()).get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            values[key] = decl["default"]
        elif not isinstance(decl, dict):
            values[key] = decl
    values.update((yaml.safe_load(path.read_text()) or {}).get("config") or {})
    return values


def available_stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def _overlay(base: Any, layer: Any) -> Any:
    """`layer` over `base`: objects merge key by key, lists of named objects (services) entry by
    entry on `name`, anything else is replaced."""
    if isinstance(base, dict) and isinstance(layer, dict):
        return {**base, **{k: _overlay(base.get(k), v) for k, v in layer.items()}}
    named = [x for x in (base or []) + (layer or []) if isinstance(x, dict) and "name" in x] \
        if isinstance(base, list) and isinstance(layer, list) else None
    if named is not None and len(named) == len(base) + len(layer):
        by_name = {item["name"]: item for item in layer}
        merged = [_overlay(item, by_name.pop(item["name"])) if item["name"] in by_name else item for item in base]
        return merged + list(by_name.values())
    return layer


def _apply_dr_active(raw: dict[str, Any], stack: str) -> frozenset[str]:
    """Lay drActive over the stack's values when drMode is active; the keys it changed."""
    layer = raw.get("drActive", {})
    if not isinstance(layer, dict):
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:drActive = {layer!r}: must be "
                          "an object of config keys (without the project prefix) and their active values")
    settable = {field.alias or to_camel(name) for name, field in StackConfig.model_fields.items()} - \
        set(DR_FIXED_KEYS) - {"aws:region"}
    wrong = [_with_suggestion(k, settable) for k in sorted(layer) if k not in settable]
    if wrong:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:drActive sets {', '.join(wrong)}: "
                          f"must be keys of this project other than {', '.join(DR_FIXED_KEYS)} and aws:region")
    if raw.get("drMode") != "active":
        return frozenset()
    for key, value in layer.items():
        raw[key] = _overlay(raw.get(key), value)
    return frozenset(layer)


def _check_standby(stack: str, model: StackConfig) -> str:
    """A DR stack's primary: a stack of this project, in another region, with origin failover.
    Returns the primary's region."""
    source = model.standby_for
    problem, region = None, ""
    if source == stack:
        problem = f"{PROJECT}:standbyFor = {source!r}: must name another stack (a stack cannot be its own standby)"
    else:
        try:
            primary = stack_file_config(source)
        except FileNotFoundError:
            primary = None
            problem = (f"{PROJECT}:standbyFor = {source!r}: must name a stack of this project with a stack file "
                       f"(Pulumi.{source}.yaml does not exist; stacks: {', '.join(available_stacks())})")
        if primary is not None:
            region = primary.get("aws:region", "us-east-1")
            if region == model.region:
                problem = (f"aws:region = {model.region!r}: must be a region other than the primary's: "
                           f"standbyFor {source!r} runs in {region} (a standby in the same region survives nothing)")
            elif primary.get(f"{PROJECT}:standbyFor"):
                problem = (f"{PROJECT}:standbyFor = {source!r}: must name a primary stack, and {source!r} is itself "
                           f"a DR stack (standbyFor {primary[f'{PROJECT}:standbyFor']!r})")
            elif primary.get(f"{PROJECT}:originFailover") is not True:
                problem = (f"{PROJECT}:standbyFor = {source!r}: must name a stack with originFailover: true (its "
                           "PRIMARY origin record and health check; Route 53 refuses a SECONDARY record beside a "
                           "simple one)")
            else:
                for key, mine in (("apiName", model.api_name), ("domainName", model.domain_name),
                                  ("siteNames", model.site_names)):
                    theirs = primary.get(f"{PROJECT}:{key}")
                    if theirs != mine:
                        problem = (f"{PROJECT}:{key} = {mine!r}: must equal the primary's ({theirs!r}): the failover "
                                   "record and the certificates serve the same names, validated by the primary's "
                                   "records")
    if problem:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {problem}")
    return region


def _check_assets_failover(stack: str, model: StackConfig) -> str:
    """The DR stack CloudFront falls back to must be this stack's standby. Returns its region."""
    name = model.assets_failover_stack
    try:
        standby = stack_file_config(name)
    except FileNotFoundError:
        standby = None
    problem = None
    if standby is None:
        problem = (f"must name a stack of this project with a stack file (Pulumi.{name}.yaml does not exist; "
                   f"stacks: {', '.join(available_stacks())})")
    elif standby.get(f"{PROJECT}:standbyFor") != stack:
        problem = f"must name this stack's standby (a stack with standbyFor: {stack}); {name!r} is not"
    if problem:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {PROJECT}:assetsFailoverStack = "
                          f"{name!r}: {problem}")
    return str(standby.get("aws:region", "us-east-1")) if standby else ""


def log_class(config: StackConfig) -> str:
    """The class of a log group nothing subscribes to: Infrequent Access where config says so."""
    return "INFREQUENT_ACCESS" if config.log_infrequent_access else "STANDARD"


def require_account(settings: Settings, caller_account: str) -> str:
    """The account the credentials belong to, refused when the stack names another one."""
    expected = settings.config.account_id
    if not expected:
        pulumi.log.warn(f"{PROJECT}:accountId is not set for stack {settings.stack!r}: nothing stops these "
                        "credentials from deploying it into the wrong account (docs/runbooks.md, first deploy)")
    elif caller_account != expected:
        raise ConfigError(f"stack {settings.stack!r} belongs in account {expected} ({PROJECT}:accountId), but the "
                          f"credentials are for account {caller_account}: refusing to deploy")
    return caller_account


def load_stack_config() -> Settings:
    """Read and validate the stack's config; raise ConfigError before any resource exists."""
    stack = pulumi.get_stack()
    problem = stack_name_problem(stack)
    if problem:
        raise ConfigError(f"invalid stack name {stack!r}: {problem}")
    cfg, aws_cfg = pulumi.Config(PROJECT), pulumi.Config("aws")
    raw: dict[str, Any] = {}
    for name, field in StackConfig.model_fields.items():
        alias = field.alias or name
        namespace, _, key = alias.rpartition(":")
        value = _raw_value(aws_cfg if namespace == "aws" else cfg, key)
        if value is not None:
            raw[alias] = value
    unknown = _unknown_keys()
    if unknown:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  unknown key(s) "
                          f"{', '.join(unknown)}: not declared in Pulumi.yaml nor read by the AWS provider")
    plaintext = _plaintext_secrets()
    if plaintext:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  {', '.join(plaintext)} is in plain text "
                          "in the stack's config: it must be a secret — remove it and run `pulumi config set "
                          f"--secret {plaintext[0].split(':', 1)[1]}` (then rotate it: it was readable)")
    overlaid = _apply_dr_active(raw, stack)
    try:
        model = StackConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format(exc, raw, stack, overlaid)) from None
    primary_region = _check_standby(stack, model) if model.standby_for else None
    secrets = SuppliedSecrets(cfg.get_secret("stripeSecretKey"),
                              cfg.get_secret("stripePublicKey"))
    if model.require_supplied_secrets:
        missing = [_qualified(k) for k, v in zip(SUPPLIED_SECRET_KEYS,
                                                 (secrets.stripe_secret_key,
                                                  secrets.stripe_public_key), strict=True) if v is None]
        if missing:
            raise ConfigError(
                f"invalid configuration for stack {stack!r}:\n  {', '.join(missing)} not set: "
                f"requireSuppliedSecrets is true; run `pulumi config set --secret <key>`")
    failover_region = _check_assets_failover(stack, model) if model.assets_failover_stack else None
    return Settings(stack=stack, config=model, secrets=secrets, primary_region=primary_region,
                    assets_failover_region=failover_region)
