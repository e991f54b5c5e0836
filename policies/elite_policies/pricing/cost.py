"""Estimated monthly cost of a stack, per tier, from its registered resources.

Each priced resource yields a line: tier, resource, what was priced and how (the basis names the
price keys and usage assumptions used). Resources that cost nothing by themselves are listed in
FREE; anything else that no rule prices is reported as unpriced — never skipped silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import prices, usage


class Registration(Protocol):
    """A resource as the rules read it: the preflight's registrations and the pack's views of
    `PolicyResource`s both have this shape."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    property_dependencies: dict[str, list[str]]
    region: str
    parent: str
    custom: bool
    provider: str


class StackRun(Protocol):
    """The stack whose resources are priced."""

    stack: str

    @property
    def resources(self) -> Sequence[Registration]: ...

    def by_urn(self) -> dict[str, Any]: ...

    def top_component(self, reg: Any) -> str: ...

FREE = {
    "pulumi:providers:aws", "random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId",
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/vpnGateway:VpnGateway",  # charged per VPN connection, none is created
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",
    "aws:ec2/flowLog:FlowLog",  # its log group carries the ingestion cost
    "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/serviceLinkedRole:ServiceLinkedRole", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:kms/alias:Alias", "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/eventSubscription:EventSubscription",  # RDS charges nothing; SNS e-mail deliveries are free tier
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "aws:iam/policy:Policy",
    "aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/parameterGroup:ParameterGroup",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:ssm/parameter:Parameter",  # standard tier
    "aws:ecs/cluster:Cluster", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:ecs/taskDefinition:TaskDefinition", "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule", "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy", "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation", "aws:route53/record:Record",
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "aws:cloudwatch/logDelivery:LogDelivery",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "aws:sns/topicSubscription:TopicSubscription",
    # The account baseline: settings and wiring AWS does not charge for (the services they
    # configure are priced on their recorder, detector, hub, analyzer and Macie account).
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
    "aws:ebs/encryptionByDefault:EncryptionByDefault", "aws:cfg/deliveryChannel:DeliveryChannel",
    "aws:cfg/recorderStatus:RecorderStatus", "aws:securityhub/standardsSubscription:StandardsSubscription",
    "aws:cloudwatch/eventRule:EventRule",  # AWS service events on the default bus are free
    "aws:cloudwatch/eventTarget:EventTarget", "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:account/alternativeContact:AlternativeContact",
}


@dataclass
class CostLine:
    tier: str
    resource: str
    type: str
    usd_month: float
    basis: str
    # With 1-year no-upfront commitments where AWS offers them (RDS and ElastiCache reserved
    # nodes, OpenSearch reserved instances, a Compute Savings Plan for on-demand Fargate).
    committed_usd_month: float | None = None

    def __post_init__(self) -> None:
        if self.committed_usd_month is None:
            self.committed_usd_month = self.usd_month


@dataclass
class CostReport:
    stack: str
    lines: list[CostLine] = field(default_factory=list)
    unpriced: list[tuple[str, str]] = field(default_factory=list)  # (type, resource)
    free: int = 0

    @property
    def total(self) -> float:
        return sum(line.usd_month for line in self.lines)

    @property
    def committed_total(self) -> float:
        return sum(line.committed_usd_month or 0.0 for line in self.lines)

    def by_tier(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for line in self.lines:
            totals[line.tier] += line.usd_month
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


class _Context:
    """What pricing one resource may need to know about the rest of the stack."""

    def __init__(self, run: StackRun) -> None:
        self.run = run
        self.by_urn = run.by_urn()
        self.hours = float(usage()["hours_per_month"])
        # Pricing one resource may look at others of a type: one index, so a stack prices in O(n).
        self._by_type: dict[str, list[Any]] = defaultdict(list)
        for reg in run.resources:
            self._by_type[reg.type].append(reg)

    def of_type(self, token: str) -> list[Registration]:
        return self._by_type.get(token, [])

    def region(self, reg: Registration) -> str:
        if getattr(reg, "region", ""):
            return str(reg.region)
        parts = reg.provider.split("::") if reg.provider else []
        provider = self.by_urn.get("::".join(parts[:-1])) if len(parts) > 1 else None
        return str(provider.inputs.get("region")) if provider else "us-east-1"

    def price(self, reg: Registration, *path: str) -> float:
        node: Any = prices(self.region(reg))
        for step in path:
            if step not in node:
                raise LookupError(f"no price {'.'.join(path)} in prices-{self.region(reg)}.json")
            node = node[step]
        return float(node["usd"])

    def linked(self, reg: Registration, prop: str) -> Registration | None:
        for urn in reg.property_dependencies.get(prop, []):
            if urn in self.by_urn:
                return self.by_urn[urn]
        return None


    def committed(self, reg: Registration, service: str) -> float:
        """The share left to pay under a 1-year no-upfront commitment for `service`."""
        return 1.0 - self.price(reg, "committed_1yr_no_upfront_discount", service)


# A pricer yields (usd, basis) or (usd, basis, usd under a 1-year commitment).
Item = tuple[float, str] | tuple[float, str, float]
Pricer = Callable[[_Context, "Registration"], list[Item]]


def _rds(ctx: _Context, reg: Registration) -> list[Item]:
    i, u = reg.inputs, usage()
    klass = i["instanceClass"]
    factor = ctx.price(reg, "rds_multi_az_factor") if i.get("multiAz") else 1.0
    hours = ctx.price(reg, "rds_mysql_instance_hour", klass) * ctx.hours * factor
    multi_az = f" x Multi-AZ {factor:g}" if factor > 1 else ""
    items: list[Item] = [(hours, f"{klass} x {ctx.hours:.0f} h{multi_az}", hours * ctx.committed(reg, "rds"))]
    # A replica names its source and no storage of its own: the stack's primary's, or, in a DR
    # stack (its database replicates, or was promoted from, another stack's), the usage file's.
    primary = next((r for r in ctx.of_type(reg.type) if r.inputs.get("allocatedStorage")), None)
    storage = float(i.get("allocatedStorage") or (primary.inputs["allocatedStorage"] if primary
                                                  else u["rds_storage_gb_of_remote_source"]))
    items.append((storage * ctx.price(reg, "rds_gp3_gb_month") * factor, f"{storage:.0f} GiB gp3"))
    retention = float(i.get("backupRetentionPeriod") or 0)
    beyond = storage * retention * u["rds_backup_daily_change_rate"]
    if beyond:
        items.append((beyond * ctx.price(reg, "rds_backup_gb_month"),
                      f"backups {retention:.0f} d x {u['rds_backup_daily_change_rate']:.0%}/day of {storage:.0f} GiB "
                      f"beyond the free allowance = {beyond:.0f} GiB"))
    if i.get("databaseInsightsMode") == "advanced":
        vcpus = prices(ctx.region(reg))["rds_vcpus"][klass]
        items.append((vcpus * ctx.hours * ctx.price(reg, "rds_database_insights_advanced_vcpu_hour") * factor,
                      f"Database Insights advanced, {vcpus} vCPU"))
    if _is_replica(reg) and ctx.region(reg) != _source_region(reg, primary, ctx):
        items.append((u["rds_cross_region_gb"] * ctx.price(reg, "inter_region_gb"),
                      f"cross-region replication {u['rds_cross_region_gb']} GB"))
    return items


def _is_replica(reg: Registration) -> bool:
    return bool(reg.inputs.get("replicateSourceDb"))


def _source_region(reg: Registration, primary: Registration | None, ctx: _Context) -> str:
    source = reg.inputs.get("replicateSourceDb")
    # A cross-region replica names its source by ARN (arn:aws:rds:<region>:...); unknown before
    # `up` when the source is in the same stack.
    if isinstance(source, str) and source.startswith("arn:aws:rds:"):
        return source.split(":")[3]
    return ctx.region(primary) if primary is not None else ctx.region(reg)


def _cache(ctx: _Context, reg: Registration) -> list[Item]:
    nodes, node_type = float(reg.inputs.get("numCacheClusters", 1)), reg.inputs["nodeType"]
    engine = str(reg.inputs.get("engine", "redis"))
    table = "elasticache_valkey_node_hour" if engine == "valkey" else "elasticache_node_hour"
    usd = nodes * ctx.price(reg, table, node_type) * ctx.hours
    return [(usd, f"{nodes:.0f} x {node_type} {engine} x {ctx.hours:.0f} h", usd * ctx.committed(reg, "elasticache"))]


def _nat(ctx: _Context, reg: Registration) -> list[Item]:
    gb = usage()["nat_gb_processed_per_gateway"]
    # Without interface endpoints, image pulls, log shipping and SSM calls leave through the NATs.
    if not any(e.inputs.get("vpcEndpointType") == "Interface" and e.region == reg.region
               for e in ctx.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")):
        gateways = [g for g in ctx.of_type(reg.type) if g.region == reg.region]
        gb += usage()["aws_api_gb_without_endpoints"] / max(len(gateways), 1)
    return [(ctx.price(reg, "nat_gateway_hour") * ctx.hours, f"{ctx.hours:.0f} h"),
            (gb * ctx.price(reg, "nat_gateway_gb"), f"{gb} GB processed")]


def _eip(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "public_ipv4_hour") * ctx.hours, "public IPv4 address")]


def _alb(ctx: _Context, reg: Registration) -> list[Item]:
    lcus = usage()["alb_average_lcus"]
    return [(ctx.price(reg, "alb_hour") * ctx.hours, f"{ctx.hours:.0f} h"),
            (lcus * ctx.price(reg, "alb_lcu_hour") * ctx.hours, f"{lcus} LCU average")]


def _fargate_split(ctx: _Context, desired: float, own: list[dict] | None = None) -> tuple[float, float]:
    """(on-demand tasks, Spot tasks) under the service's own capacity provider strategy, or else
    the cluster's default one."""
    providers = ctx.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    strategies = own or (providers[0].inputs["defaultCapacityProviderStrategies"] if providers else [])
    strategy = {s["capacityProvider"]: s for s in strategies}
    base = float(strategy.get("FARGATE", {}).get("base", 0))
    on_weight = float(strategy.get("FARGATE", {}).get("weight", 1))
    spot_weight = float(strategy.get("FARGATE_SPOT", {}).get("weight", 0))
    fixed = min(desired, base)
    rest = desired - fixed
    spot = rest * spot_weight / (on_weight + spot_weight) if on_weight + spot_weight else 0.0
    return desired - spot, spot


def _fargate(ctx: _Context, reg: Registration) -> list[Item]:
    task = ctx.linked(reg, "taskDefinition")
    if task is None:
        raise LookupError("no task definition linked")
    arch = task.inputs.get("runtimePlatform", {}).get("cpuArchitecture", "X86_64")
    vcpu, gb = float(task.inputs["cpu"]) / 1024, float(task.inputs["memory"]) / 1024
    per_task_hour = vcpu * ctx.price(reg, "fargate_vcpu_hour", arch) + gb * ctx.price(reg, "fargate_gb_hour", arch)
    desired = float(reg.inputs.get("desiredCount", 1))
    on_demand, spot = _fargate_split(ctx, desired, reg.inputs.get("capacityProviderStrategies"))
    discount = ctx.price(reg, "fargate_spot_discount")
    usd = on_demand * per_task_hour * ctx.hours
    items: list[Item] = [(usd, f"{on_demand:g} on-demand task(s) x {vcpu:g} vCPU/{gb:g} GB {arch}",
                          usd * ctx.committed(reg, "fargate"))]
    if spot:
        items.append((spot * per_task_hour * (1 - discount) * ctx.hours,
                      f"{spot:g} Spot task(s) at {discount:.0%} off"))
    return items


def _cloudfront(ctx: _Context, reg: Registration) -> list[Item]:
    u = usage()
    return [(u["cloudfront_gb_to_viewers"] * ctx.price(reg, "cloudfront_gb"),
             f"{u['cloudfront_gb_to_viewers']} GB out"),
            (u["cloudfront_million_requests"] * 100 * ctx.price(reg, "cloudfront_https_10k"),
             f"{u['cloudfront_million_requests']} M HTTPS requests")]


def _web_acl(ctx: _Context, reg: Registration) -> list[Item]:
    rules, requests = len(reg.inputs.get("rules", [])), usage()["waf_million_requests"]
    return [(ctx.price(reg, "waf_acl_month"), "web ACL"),
            (rules * ctx.price(reg, "waf_rule_month"), f"{rules} rules"),
            (requests * ctx.price(reg, "waf_million_requests"), f"{requests} M requests")]


def _opensearch(ctx: _Context, reg: Registration) -> list[Item]:
    cluster, ebs = reg.inputs["clusterConfig"], reg.inputs.get("ebsOptions", {})
    count, kind = float(cluster.get("instanceCount", 1)), cluster["instanceType"]
    volume = float(ebs.get("volumeSize", 0))
    share = ctx.committed(reg, "opensearch")
    data = count * ctx.price(reg, "opensearch_instance_hour", kind) * ctx.hours
    storage = count * volume * ctx.price(reg, "opensearch_gp3_gb_month")
    items: list[Item] = [(data, f"{count:.0f} x {kind}", data * share),
                         (storage, f"{count:.0f} x {volume:.0f} GiB gp3")]
    if cluster.get("dedicatedMasterEnabled"):
        masters, master_kind = float(cluster.get("dedicatedMasterCount", 3)), cluster["dedicatedMasterType"]
        usd = masters * ctx.price(reg, "opensearch_instance_hour", master_kind) * ctx.hours
        items.append((usd, f"{masters:.0f} dedicated masters x {master_kind}", usd * share))
    return items


def _endpoint(ctx: _Context, reg: Registration) -> list[Item]:
    if reg.inputs.get("vpcEndpointType") != "Interface":
        return [(0.0, "gateway endpoint (free)")]
    azs, gb = len(reg.inputs.get("subnetIds", [])), usage()["interface_endpoint_gb"]
    return [(azs * ctx.price(reg, "interface_endpoint_az_hour") * ctx.hours, f"{azs} AZ(s)"),
            (gb * ctx.price(reg, "interface_endpoint_gb"), f"{gb} GB")]


def _kms(ctx: _Context, reg: Registration) -> list[Item]:
    requests = usage()["kms_10k_requests_per_key"]
    return [(ctx.price(reg, "kms_key_month"), "key"),
            (requests * ctx.price(reg, "kms_10k_requests"), f"{requests} x 10k requests")]


def _alarm(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "cloudwatch_alarm_month"), "alarm")]


def _dashboard(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "cloudwatch_dashboard_month"), "dashboard")]


def _log_group(ctx: _Context, reg: Registration) -> list[Item]:
    table = usage()["log_gb_ingested"]
    name = str(reg.inputs.get("name", ""))
    gb = next((v for k, v in table.items() if k != "default" and k in name), table["default"])
    if reg.inputs.get("logGroupClass") == "INFREQUENT_ACCESS":
        return [(gb * ctx.price(reg, "cloudwatch_logs_ingest_ia_gb"), f"{gb} GB ingested (Infrequent Access)"),
                (gb * ctx.price(reg, "cloudwatch_logs_store_gb_month"), f"{gb} GB stored")]
    return [(gb * ctx.price(reg, "cloudwatch_logs_ingest_gb"), f"{gb} GB ingested"),
            (gb * ctx.price(reg, "cloudwatch_logs_store_gb_month"), f"{gb} GB stored")]


def _bucket(ctx: _Context, reg: Registration) -> list[Item]:
    table = usage()["bucket_gb"]
    gb = table.get(reg.name, table["default"])
    return [(gb * ctx.price(reg, "s3_standard_gb_month"), f"{gb} GB Standard")]


def _repository(ctx: _Context, reg: Registration) -> list[Item]:
    gb = usage()["ecr_gb_per_repository"]
    return [(gb * ctx.price(reg, "ecr_gb_month"), f"{gb} GB images")]


def _firehose(ctx: _Context, reg: Registration) -> list[Item]:
    gb = usage()["firehose_gb"]
    vpc = reg.inputs.get("opensearchConfiguration", {}).get("vpcConfig", {})
    subnets = vpc.get("subnetIds")
    # Before `up` the subnet list may be one unknown value: it is the private subnets, one per zone.
    azs = len(subnets) if isinstance(subnets, list) else sum(
        1 for s in ctx.of_type("aws:ec2/subnet:Subnet")
        if s.region == reg.region and (s.inputs.get("tags") or {}).get("Tier") == "private")
    return [(gb * ctx.price(reg, "firehose_gb"), f"{gb} GB"),
            (azs * ctx.price(reg, "firehose_vpc_az_hour") * ctx.hours, f"VPC delivery in {azs} AZ(s)")]


def _zone(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "route53_zone_month"), "hosted zone")]


def _health_check(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "route53_health_check_month"), f"{str(reg.inputs.get('type', '')).lower()} health check")]


def _bucket_replication(ctx: _Context, reg: Registration) -> list[Item]:
    # Charged to the source bucket's region: transfer out to the other region, plus Replication
    # Time Control where a rule turns it on.
    gb = usage()["s3_replicated_gb"]
    items: list[Item] = [(gb * ctx.price(reg, "inter_region_gb"), f"{gb} GB replicated across regions")]
    rtc = any(r.get("destination", {}).get("replicationTime", {}).get("status") == "Enabled"
              for r in reg.inputs.get("rules") or [])
    if rtc:
        items.append((gb * ctx.price(reg, "s3_replication_time_control_gb"), f"{gb} GB under Replication Time Control"))
    return items


def _image_replication(ctx: _Context, reg: Registration) -> list[Item]:
    gb = usage()["ecr_replicated_gb"]
    return [(gb * ctx.price(reg, "inter_region_gb"), f"{gb} GB of images copied across regions")]


def _replicated_repositories(ctx: _Context, reg: Registration) -> list[Item]:
    count, gb = usage()["ecr_replicated_repositories"], usage()["ecr_gb_per_repository"]
    return [(count * gb * ctx.price(reg, "ecr_gb_month"), f"{count} replicated repositories x {gb} GB")]


def _trail(ctx: _Context, reg: Registration) -> list[Item]:
    selectors = reg.inputs.get("advancedEventSelectors") or []
    data = any(any(f.get("field") == "eventCategory" and "Data" in (f.get("equals") or [])
                   for f in s.get("fieldSelectors") or []) for s in selectors)
    if not data:
        return [(0.0, "management events (first copy free)")]
    n = usage()["cloudtrail_data_events_100k"]
    return [(n * ctx.price(reg, "cloudtrail_data_events_100k"), f"{n} x 100k data events")]


def _recorder(ctx: _Context, reg: Registration) -> list[Item]:
    items = usage()["config_items_per_region"]
    return [(items * ctx.price(reg, "config_item"), f"{items} configuration items")]


def _security_hub(ctx: _Context, reg: Registration) -> list[Item]:
    checks = usage()["securityhub_checks_per_region"]
    return [(checks * ctx.price(reg, "securityhub_check"), f"{checks} security checks")]


def _detector(ctx: _Context, reg: Registration) -> list[Item]:
    n = usage()["guardduty_cloudtrail_million_events"]
    return [(n * ctx.price(reg, "guardduty_cloudtrail_million_events"), f"{n} million management events")]


def _detector_feature(ctx: _Context, reg: Registration) -> list[Item]:
    u, feature = usage(), reg.inputs.get("name")
    if reg.inputs.get("status") != "ENABLED":
        return [(0.0, f"{feature} disabled")]
    if feature == "S3_DATA_EVENTS":
        n = u["guardduty_s3_million_events"]
        return [(n * ctx.price(reg, "guardduty_s3_million_events"), f"{n} million S3 data events")]
    if feature == "RDS_LOGIN_EVENTS":
        n = u["guardduty_rds_vcpus"]
        return [(n * ctx.price(reg, "guardduty_rds_vcpu_month"), f"{n} database vCPUs")]
    if feature == "RUNTIME_MONITORING":
        n = u["guardduty_runtime_vcpus"]
        return [(n * ctx.price(reg, "guardduty_runtime_vcpu_month"), f"{n} Fargate vCPUs")]
    raise LookupError(f"no price for GuardDuty feature {feature}")


def _analyzer(ctx: _Context, reg: Registration) -> list[Item]:
    if reg.inputs.get("type") in ("ACCOUNT", "ORGANIZATION"):
        return [(0.0, "external access analysis (free)")]
    n = usage()["access_analyzer_roles"]
    return [(n * ctx.price(reg, "access_analyzer_unused_role_month"), f"{n} roles and users analysed")]


def _macie(ctx: _Context, reg: Registration) -> list[Item]:
    if reg.inputs.get("status") == "PAUSED":
        return [(0.0, "paused")]
    n = usage()["macie_buckets_per_region"]
    return [(n * ctx.price(reg, "macie_bucket_month"), f"{n} buckets monitored")]


def _macie_job(ctx: _Context, reg: Registration) -> list[Item]:
    # However often it runs, a scheduled job inspects what was added or changed since its last run.
    share = float(reg.inputs.get("samplingPercentage") or 100) / 100
    gb = usage()["macie_new_documents_gb"] * share
    return [(gb * ctx.price(reg, "macie_gb_inspected"), f"{gb:g} GB new documents inspected ({share:.0%} sampled)")]


def _metric_filter(ctx: _Context, reg: Registration) -> list[Item]:
    return [(ctx.price(reg, "cloudwatch_custom_metric_month"), "custom metric")]


PRICERS: dict[str, Pricer] = {
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:cfg/recorder:Recorder": _recorder,
    "aws:securityhub/account:Account": _security_hub,
    "aws:guardduty/detector:Detector": _detector,
    "aws:guardduty/detectorFeature:DetectorFeature": _detector_feature,
    "aws:accessanalyzer/analyzer:Analyzer": _analyzer,
    "aws:macie2/account:Account": _macie,
    "aws:macie2/classificationJob:ClassificationJob": _macie_job,
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": _metric_filter,
    "aws:rds/instance:Instance": _rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:lb/loadBalancer:LoadBalancer": _alb,
    "aws:ecs/service:Service": _fargate,
    "aws:cloudfront/distribution:Distribution": _cloudfront,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:opensearch/domain:Domain": _opensearch,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:kms/key:Key": _kms,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:ecr/repository:Repository": _repository,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _firehose,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _bucket_replication,
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": _image_replication,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": _replicated_repositories,
}


def estimate(run: StackRun) -> CostReport:
    ctx = _Context(run)
    report = CostReport(stack=run.stack)
    for reg in run.resources:
        if not reg.custom:
            continue
        pricer = PRICERS.get(reg.type)
        if pricer is None:
            if reg.type in FREE:
                report.free += 1
            else:
                report.unpriced.append((reg.type, reg.name))
            continue
        tier = run.top_component(reg)
        try:
            items = pricer(ctx, reg)
        except (LookupError, KeyError) as exc:
            report.unpriced.append((reg.type, f"{reg.name} ({exc})"))
            continue
        for item in items:
            usd, basis = item[0], item[1]
            committed = item[2] if len(item) > 2 else usd  # type: ignore[misc]
            report.lines.append(CostLine(tier=tier, resource=reg.name, type=reg.type, usd_month=usd, basis=basis,
                                         committed_usd_month=committed))
    return report
