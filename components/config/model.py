"""What the stack's settings are together: the typed model (services, replicas, the adopted
database, the stack) and its cross-field rules, and the settings a program run receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from .values import (
    CACHE_ENGINE_VERSIONS,
    CLOUDFRONT_ALLOWED_POLICIES,
    FARGATE_MEMORY,
    FROM_PRIMARY,
    MAX_PUBLIC_SERVICE_NAME,
    AzCount,
    DailyWindow,
    LogRetention,
    PrivateCidr16,
    Region,
    StackName,
    TagValue,
    WeeklyWindow,
    _check,
    _dedicated_masters,
    _dr_mode,
    _monitoring_interval,
    _mysql_version,
    at,
    daily_window_minutes,
    weekly_window_minutes,
    windows_overlap,
)

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



def log_class(config: StackConfig) -> str:
    """The class of a log group nothing subscribes to: Infrequent Access where config says so."""
    return "INFREQUENT_ACCESS" if config.log_infrequent_access else "STANDARD"
