"""Observability tier: alarms to an encrypted SNS topic, a dashboard, and log aggregation.

Alarms: the guide's four (ECS CPU > 80 % and memory > 85 % for 2 x 300 s per service, RDS
connections > 80 for 3 x 300 s, ALB TargetResponseTime above 2 s for 2 x 300 s — the metric is
in seconds, the guide's 2000 was milliseconds) and what on-call expects besides: ALB and target
5xx, unhealthy hosts, RDS CPU, free storage and replica lag, Redis CPU, memory and evictions.
An alarm must publish to a topic in its own region, so a replica in the DR region gets a topic
there.

Log aggregation (the guide's Elasticsearch/Logstash/Kibana) is a managed OpenSearch domain in
the private subnets, fed from the application log groups by subscription filters through a
Firehose delivery stream (failed records to S3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from .config import StackConfig, log_class
from .iam import RolePlacement, Statement, policy_document, service_trust, workload_role
from .naming import physical_name
from .network import NetworkHandle
from .storage import SecureBucket, SecureBucketArgs, expire_all
from .tagging import named

if TYPE_CHECKING:
    from .compute import ComputeHandle
    from .data import DataHandle

PERIOD = 300
# The origin's health alarms: ALB metrics come every minute; three empty minutes fail over.
ORIGIN_HEALTH_PERIOD, ORIGIN_FAILOVER_PERIODS = 60, 3
GIB = 1024 ** 3
OPENSEARCH_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
SLOW_CREATE = pulumi.CustomTimeouts(create="90m", update="90m", delete="90m")
# OpenSearch log type -> log group suffix: error, audit and both slow logs.
OPENSEARCH_LOGS = {"ES_APPLICATION_LOGS": "error", "AUDIT_LOGS": "audit", "SEARCH_SLOW_LOGS": "search-slow",
                   "INDEX_SLOW_LOGS": "index-slow"}


@dataclass(frozen=True)
class MonitoredDatabase:
    label: str
    identifier: pulumi.Input[str]
    region: str
    replica: bool


@dataclass(frozen=True)
class ObservabilityArgs:
    name_prefix: str
    account_id: str
    config: StackConfig
    key_arns: Mapping[str, pulumi.Input[str]]  # by purpose: alerts (topics), logs, storage (failed records)
    network: NetworkHandle
    data: DataHandle
    compute: ComputeHandle  # the cluster, its services and the ALB, to watch
    tags: Mapping[str, str]
    roles: RolePlacement


class ObservabilityTier(pulumi.ComponentResource):
    alarm_topic_arn: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    # With originFailover: one alarm per public service, in ALARM while its target group has no
    # healthy target; the Route 53 health check of the PRIMARY origin record reads them.
    origin_health_alarm_names: list[pulumi.Output[str]]
    dashboard_name: pulumi.Output[str]
    dashboards_url: pulumi.Output[str] | None

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:observability:ObservabilityTier", name, None, opts)
        self._name, self._args, self._cfg = name, args, args.config
        self._child = pulumi.ResourceOptions(parent=self)
        self.alarm_names = []
        database = args.data.database
        # The primary (or a standby's replica of it) in this region, and each read replica.
        self._databases = [MonitoredDatabase("mysql", database.instance_ids["primary"], self._cfg.region,
                                             replica=database.is_replica)] + [
            MonitoredDatabase(r.name, database.instance_ids[r.name], r.region, replica=True)
            for r in self._cfg.read_replicas]

        self.alarm_topic_arn = self._topic("alarms", args.config.region, args.key_arns["alerts"], self._child)
        self._database_events()
        self._service_alarms()
        self._load_balancer_alarms()
        self._database_alarms()
        self._cache_alarms()
        self.dashboard_name = self._dashboard()
        self.dashboards_url = self._log_aggregation() if self._cfg.log_aggregation else None
        self.register_outputs({"alarm_topic_arn": self.alarm_topic_arn, "dashboard_name": self.dashboard_name,
                               "dashboards_url": self.dashboards_url})

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return named(self._args.tags, name, **extra)

    # --- alerting -----------------------------------------------------------------------

    def _topic(self, label: str, region: str, key_arn: pulumi.Input[str],
               opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        args = self._args
        topic = aws.sns.Topic(f"{self._name}-{label}", name=f"{args.name_prefix}-{label}",
                              kms_master_key_id=key_arn, tags=self._tags(f"{args.name_prefix}-{label}"),
                              opts=opts)
        alarms = f"arn:aws:cloudwatch:{region}:{args.account_id}:alarm:*"
        aws.sns.TopicPolicy(f"{self._name}-{label}-policy", arn=topic.arn, policy=policy_document(
            Statement(sid="CloudWatchAlarmsPublish", actions=["sns:Publish"], resources=[topic.arn],
                      principals={"Service": ["cloudwatch.amazonaws.com"]},
                      conditions={"ArnLike": {"aws:SourceArn": alarms}}),
            Statement(sid="RdsEventsPublish", actions=["sns:Publish"], resources=[topic.arn],
                      principals={"Service": ["events.rds.amazonaws.com"]},
                      conditions={"StringEquals": {"aws:SourceAccount": args.account_id}}),
            Statement(sid="AccountManagesTopic", resources=[topic.arn],
                      actions=["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
                               "sns:ListSubscriptionsByTopic"],
                      principals={"AWS": [f"arn:aws:iam::{args.account_id}:root"]})), opts=opts)
        for index, email in enumerate(self._cfg.alarm_emails):
            aws.sns.TopicSubscription(f"{self._name}-{label}-email-{index}", topic=topic.arn,
                                      protocol="email", endpoint=str(email), opts=opts)
        return topic.arn

    def _alarm(self, label: str, *, namespace: str, metric: str, dimensions: Mapping[str, pulumi.Input[str]],
               statistic: str, threshold: float, periods: int, unit: str | None, description: str,
               comparison: str = "GreaterThanThreshold", missing: str = "notBreaching",
               period: int = PERIOD) -> pulumi.Output[str]:
        topic, opts = self.alarm_topic_arn, self._child
        name = f"{self._args.name_prefix}-{label}"
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{label}", name=name, alarm_description=description, namespace=namespace,
            metric_name=metric, dimensions=dict(dimensions), statistic=statistic, threshold=threshold,
            period=period, evaluation_periods=periods, comparison_operator=comparison, unit=unit,
            treat_missing_data=missing, alarm_actions=[topic], ok_actions=[topic],
            tags=self._tags(name), opts=opts)
        self.alarm_names.append(alarm.name)
        return alarm.name

    def _database_events(self) -> None:
        """RDS's own notices (failover, failure, maintenance, configuration and parameter-group
        changes) to on-call, in each region with an instance: an event subscription is regional."""
        args = self._args
        # "read replica" events tell a standby's on-call when replication stops or errs.
        for source, categories in (("db-instance", ["availability", "configuration change", "deletion",
                                                    "failover", "failure", "maintenance", "read replica",
                                                    "recovery"]),
                                   ("db-parameter-group", ["configuration change"])):
            label = f"rds-{source.removeprefix('db-')}-events"
            aws.rds.EventSubscription(
                f"{self._name}-{label}", sns_topic=self.alarm_topic_arn, source_type=source,
                event_categories=categories, enabled=True, tags=self._tags(f"{args.name_prefix}-{label}"),
                opts=self._child)

    def _service_alarms(self) -> None:
        cfg, args = self._cfg, self._args
        for s in args.compute.services:
            dims = {"ClusterName": args.compute.cluster_name, "ServiceName": s.service_name}
            self._alarm(f"{s.name}-cpu-high", namespace="AWS/ECS", metric="CPUUtilization", dimensions=dims,
                        statistic="Average", threshold=cfg.alarm_ecs_cpu_percent, periods=2, unit="Percent",
                        description=f"{s.name}: CPU above {cfg.alarm_ecs_cpu_percent}% for 10 minutes")
            self._alarm(f"{s.name}-memory-high", namespace="AWS/ECS", metric="MemoryUtilization",
                        dimensions=dims, statistic="Average", threshold=cfg.alarm_ecs_memory_percent, periods=2,
                        unit="Percent",
                        description=f"{s.name}: memory above {cfg.alarm_ecs_memory_percent}% for 10 minutes")

    def _load_balancer_alarms(self) -> None:
        cfg, args = self._cfg, self._args
        alb = {"LoadBalancer": args.compute.alb_arn_suffix}
        self._alarm("alb-response-time-high", namespace="AWS/ApplicationELB", metric="TargetResponseTime",
                    dimensions=alb, statistic="Average", threshold=float(cfg.alarm_alb_response_time_seconds),
                    periods=2, unit="Seconds",
                    description=f"API response time above {cfg.alarm_alb_response_time_seconds} s (guide: 2000 ms)")
        for metric, label in (("HTTPCode_ELB_5XX_Count", "alb-5xx"), ("HTTPCode_Target_5XX_Count", "target-5xx")):
            self._alarm(label, namespace="AWS/ApplicationELB", metric=metric, dimensions=alb, statistic="Sum",
                        threshold=cfg.alarm_alb5xx_count, periods=1, unit="Count",
                        description=f"More than {cfg.alarm_alb5xx_count} {metric} in 5 minutes")
        self.origin_health_alarm_names = []
        for s in args.compute.services:
            if s.target_group_arn_suffix is None:
                continue
            if cfg.origin_failover:
                # Missing data is an outage too: a region that stops reporting fails over.
                self.origin_health_alarm_names.append(self._alarm(
                    f"{s.name}-no-healthy-hosts", namespace="AWS/ApplicationELB", metric="HealthyHostCount",
                    dimensions={**alb, "TargetGroup": s.target_group_arn_suffix}, statistic="Minimum",
                    threshold=1, periods=ORIGIN_FAILOVER_PERIODS, period=ORIGIN_HEALTH_PERIOD, unit="Count",
                    comparison="LessThanThreshold", missing="breaching",
                    description=f"{s.name}: no healthy target; Route 53 fails the API origin over"))
            self._alarm(f"{s.name}-unhealthy-hosts", namespace="AWS/ApplicationELB", metric="UnHealthyHostCount",
                        dimensions={**alb, "TargetGroup": s.target_group_arn_suffix}, statistic="Maximum",
                        threshold=0, periods=2, unit="Count",
                        description=f"{s.name}: a target failed its health checks for 10 minutes")

    def _database_alarms(self) -> None:
        cfg = self._cfg
        for db in self._databases:
            dims = {"DBInstanceIdentifier": db.identifier}
            self._alarm(f"{db.label}-cpu-high", namespace="AWS/RDS", metric="CPUUtilization", dimensions=dims,
                        statistic="Average", threshold=cfg.alarm_db_cpu_percent, periods=3, unit="Percent",
                        description=f"{db.label}: CPU above {cfg.alarm_db_cpu_percent}% for 15 minutes")
            self._alarm(f"{db.label}-free-storage-low", namespace="AWS/RDS", metric="FreeStorageSpace",
                        dimensions=dims, statistic="Minimum", threshold=cfg.alarm_db_free_storage_gib * GIB,
                        periods=1, unit="Bytes", comparison="LessThanThreshold", missing="breaching",
                        description=f"{db.label}: less than {cfg.alarm_db_free_storage_gib} GiB free")
            if db.replica:
                self._alarm(f"{db.label}-replica-lag", namespace="AWS/RDS", metric="ReplicaLag", dimensions=dims,
                            statistic="Maximum", threshold=cfg.alarm_replica_lag_seconds, periods=3,
                            unit="Seconds", missing="breaching",
                            description=f"{db.label}: more than {cfg.alarm_replica_lag_seconds} s behind")
            else:
                self._alarm(f"{db.label}-connections-high", namespace="AWS/RDS", metric="DatabaseConnections",
                            dimensions=dims, statistic="Average", threshold=cfg.alarm_db_connections, periods=3,
                            unit="Count",
                            description=f"{db.label}: more than {cfg.alarm_db_connections} connections for 15 minutes")

    def _cache_alarms(self) -> None:
        cfg, args = self._cfg, self._args
        # ElastiCache reports per member cluster: <group>-001, -002, ...
        for index in range(1, args.config.redis_node_count + 1):
            member = f"{args.data.cache.group_name}-{index:03d}"
            dims = {"CacheClusterId": member}
            self._alarm(f"redis-{index:03d}-cpu-high", namespace="AWS/ElastiCache", metric="EngineCPUUtilization",
                        dimensions=dims, statistic="Average", threshold=cfg.alarm_redis_cpu_percent, periods=3,
                        unit="Percent", description=f"{member}: Redis engine CPU above {cfg.alarm_redis_cpu_percent}%")
            self._alarm(f"redis-{index:03d}-memory-high", namespace="AWS/ElastiCache",
                        metric="DatabaseMemoryUsagePercentage", dimensions=dims, statistic="Average",
                        threshold=cfg.alarm_redis_memory_percent, periods=3, unit="Percent",
                        description=f"{member}: Redis memory above {cfg.alarm_redis_memory_percent}%")
            self._alarm(f"redis-{index:03d}-evictions", namespace="AWS/ElastiCache", metric="Evictions",
                        dimensions=dims, statistic="Sum", threshold=cfg.alarm_redis_evictions, periods=2,
                        unit="Count", description=f"{member}: more than {cfg.alarm_redis_evictions} evictions / 5 min")

    # --- dashboard ----------------------------------------------------------------------

    def _dashboard(self) -> pulumi.Output[str]:
        args = self._args

        def widget(title: str, metrics: list, x: int, y: int) -> dict:
            return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                    "properties": {"title": title, "region": args.config.region, "period": PERIOD, "stat": "Average",
                                   "view": "timeSeries", "metrics": metrics}}

        alb, compute = ["AWS/ApplicationELB"], args.compute
        widgets = [
            widget("ALB requests and 5xx", [
                [*alb, "RequestCount", "LoadBalancer", compute.alb_arn_suffix, {"stat": "Sum"}],
                [*alb, "HTTPCode_Target_5XX_Count", "LoadBalancer", compute.alb_arn_suffix, {"stat": "Sum"}]], 0, 0),
            widget("ALB target response time (s)", [
                [*alb, "TargetResponseTime", "LoadBalancer", compute.alb_arn_suffix]], 12, 0),
        ]
        for i, s in enumerate(compute.services):
            widgets.append(widget(f"{s.name} CPU / memory (%)", [
                ["AWS/ECS", "CPUUtilization", "ClusterName", compute.cluster_name, "ServiceName", s.service_name],
                ["AWS/ECS", "MemoryUtilization", "ClusterName", compute.cluster_name, "ServiceName", s.service_name]],
                (i % 2) * 12, 6 + (i // 2) * 6))
        y = 6 + ((len(args.compute.services) + 1) // 2) * 6
        # The first database is the stack's own: the primary, or a DR stack's replica of one.
        main = self._databases[0]
        widgets.append(widget(f"RDS {'replica (lag s)' if main.replica else 'primary'}", [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", main.identifier],
            ["AWS/RDS", "ReplicaLag" if main.replica else "DatabaseConnections", "DBInstanceIdentifier",
             main.identifier]], 0, y))
        widgets.append(widget("Redis engine CPU / memory (%)", [
            ["AWS/ElastiCache", metric, "CacheClusterId", f"{args.data.cache.group_name}-001"]
            for metric in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")], 12, y))
        name = f"{args.name_prefix}-overview"
        dashboard = aws.cloudwatch.Dashboard(f"{self._name}-dashboard", dashboard_name=name,
                                             dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
                                             opts=self._child)
        return dashboard.dashboard_name

    # --- log aggregation ----------------------------------------------------------------

    def _opensearch_logs(self, domain_name: str, domain_arn: str,
                         ) -> list[aws.opensearch.DomainLogPublishingOptionArgs]:
        """Error, audit and slow logs of the domain to encrypted log groups, and the resource policy
        that lets OpenSearch (for this domain only) write them."""
        args, cfg = self._args, self._cfg
        groups = {kind: aws.cloudwatch.LogGroup(
            f"{self._name}-opensearch-{label}-logs", name=f"/aws/opensearch/{domain_name}/{label}",
            retention_in_days=cfg.log_retention_days, kms_key_id=args.key_arns["logs"], log_group_class=log_class(cfg),
            tags=self._tags(f"/aws/opensearch/{domain_name}/{label}"), opts=self._child)
            for kind, label in OPENSEARCH_LOGS.items()}
        aws.cloudwatch.LogResourcePolicy(
            f"{self._name}-opensearch-log-policy",
            policy_name=physical_name("log-resource-policy", args.name_prefix, "opensearch-logs"),
            policy_document=policy_document(Statement(
                sid="OpenSearchWritesItsLogs", actions=["logs:PutLogEvents", "logs:CreateLogStream"],
                resources=[g.arn.apply(lambda a: f"{a}:*") for g in groups.values()],
                principals={"Service": ["es.amazonaws.com"]},
                conditions={"StringEquals": {"aws:SourceAccount": args.account_id},
                            "ArnLike": {"aws:SourceArn": domain_arn}})), opts=self._child)
        return [aws.opensearch.DomainLogPublishingOptionArgs(log_type=kind, cloudwatch_log_group_arn=g.arn,
                                                             enabled=True) for kind, g in groups.items()]

    def _log_aggregation(self) -> pulumi.Output[str]:
        cfg, args, prefix = self._cfg, self._args, self._args.name_prefix
        zones = min(cfg.az_count, 3)
        if cfg.open_search_service_linked_role:
            aws.iam.ServiceLinkedRole(f"{self._name}-opensearch-service-role",
                                      aws_service_name="opensearchservice.amazonaws.com",
                                      description="OpenSearch manages its VPC network interfaces",
                                      tags=self._tags(f"{prefix}-opensearch-service-role"),
                                      opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
        domain_group = aws.ec2.SecurityGroup(f"{self._name}-opensearch-sg", vpc_id=args.network.vpc_id,
                                             description="OpenSearch: HTTPS from the log delivery stream only",
                                             tags=self._tags(f"{prefix}-opensearch"), opts=self._child)
        stream_group = aws.ec2.SecurityGroup(f"{self._name}-log-stream-sg", vpc_id=args.network.vpc_id,
                                             description="Firehose delivery into OpenSearch",
                                             tags=self._tags(f"{prefix}-log-stream"), opts=self._child)
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-opensearch-from-stream", security_group_id=domain_group.id, ip_protocol="tcp",
            from_port=443, to_port=443, referenced_security_group_id=stream_group.id,
            description="HTTPS from Firehose", tags=self._tags(f"{prefix}-opensearch-in"), opts=self._child)
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-stream-to-opensearch", security_group_id=stream_group.id, ip_protocol="tcp",
            from_port=443, to_port=443, referenced_security_group_id=domain_group.id,
            description="HTTPS to OpenSearch", tags=self._tags(f"{prefix}-log-stream-out"), opts=self._child)

        admin = workload_role(f"{self._name}-log-admin-role", args.roles, description="Operators administer OpenSearch",
                             assume_role_policy=policy_document(Statement(
                                 actions=["sts:AssumeRole"], resources=(),
                                 principals={"AWS": [f"arn:aws:iam::{args.account_id}:root"]},
                                 conditions={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
                             tags=self._tags(f"{prefix}-log-admin"), opts=self._child)
        stream_role = workload_role(f"{self._name}-log-stream-role", args.roles,
                                   assume_role_policy=service_trust("firehose.amazonaws.com", args.account_id,
                                                                     condition_key="sts:ExternalId"),
                                   description="Firehose delivers application logs to OpenSearch",
                                   tags=self._tags(f"{prefix}-log-stream"), opts=self._child)
        # OpenSearch domain names are at most 28 characters: a shorter lead than the prefix.
        domain_name = physical_name("opensearch-domain", "elite-logs", prefix.removeprefix("elite-locadora-"))
        domain_arn = f"arn:aws:es:{args.config.region}:{args.account_id}:domain/{domain_name}"
        log_publishing = self._opensearch_logs(domain_name, domain_arn)
        domain = aws.opensearch.Domain(
            f"{self._name}-opensearch", domain_name=domain_name, engine_version=cfg.open_search_engine_version,
            cluster_config=aws.opensearch.DomainClusterConfigArgs(
                instance_type=cfg.open_search_instance_type, instance_count=cfg.open_search_instance_count,
                zone_awareness_enabled=True,
                zone_awareness_config=aws.opensearch.DomainClusterConfigZoneAwarenessConfigArgs(
                    availability_zone_count=zones),
                # Dedicated masters keep cluster management off the data nodes (three survive a zone).
                dedicated_master_enabled=cfg.open_search_dedicated_master_count > 0,
                dedicated_master_count=cfg.open_search_dedicated_master_count or None,
                dedicated_master_type=cfg.open_search_dedicated_master_type
                if cfg.open_search_dedicated_master_count else None),
            log_publishing_options=log_publishing,
            software_update_options=aws.opensearch.DomainSoftwareUpdateOptionsArgs(auto_software_update_enabled=True),
            ebs_options=aws.opensearch.DomainEbsOptionsArgs(ebs_enabled=True, volume_type="gp3",
                                                            volume_size=cfg.open_search_volume_gib),
            encrypt_at_rest=aws.opensearch.DomainEncryptAtRestArgs(enabled=True, kms_key_id=args.key_arns["logs"]),
            node_to_node_encryption=aws.opensearch.DomainNodeToNodeEncryptionArgs(enabled=True),
            domain_endpoint_options=aws.opensearch.DomainDomainEndpointOptionsArgs(
                enforce_https=True, tls_security_policy=OPENSEARCH_TLS_POLICY),
            advanced_security_options=aws.opensearch.DomainAdvancedSecurityOptionsArgs(
                enabled=True, internal_user_database_enabled=False,
                master_user_options=aws.opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs(
                    master_user_arn=admin.arn)),
            vpc_options=aws.opensearch.DomainVpcOptionsArgs(
                subnet_ids=pulumi.Output.from_input(args.network.private_subnet_ids).apply(lambda ids: ids[:zones]),
                security_group_ids=[domain_group.id]),
            access_policies=policy_document(Statement(
                sid="LogWritersAndAdmins", actions=["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut",
                                                    "es:ESHttpHead", "es:ESHttpDelete"],
                resources=[f"{domain_arn}/*"], principals={"AWS": [admin.arn, stream_role.arn]})),
            tags=self._tags(domain_name),
            opts=pulumi.ResourceOptions(parent=self, protect=cfg.protect_stateful_resources,
                                        custom_timeouts=SLOW_CREATE))
        failures = SecureBucket("log-delivery-failures", SecureBucketArgs(
            bucket_name=physical_name("s3-bucket", prefix, "log-failures", args.account_id), tags=args.tags,
            kms_key_arn=args.key_arns["storage"], protect=cfg.protect_stateful_resources,
            lifecycle_rules=[expire_all("expire-failed-records", cfg.log_retention_days)],
            access_log_bucket=args.data.logs_bucket.name, access_log_prefix="s3/log-delivery-failures/"),
            opts=self._child)
        stream_errors = aws.cloudwatch.LogGroup(
            f"{self._name}-log-stream-errors", name=f"/{prefix}/firehose/app-logs",
            retention_in_days=cfg.log_retention_days, kms_key_id=args.key_arns["logs"], log_group_class=log_class(cfg),
            tags=self._tags(f"/{prefix}/firehose/app-logs"), opts=self._child)
        ec2_arn = f"arn:aws:ec2:{args.config.region}:{args.account_id}:"
        aws.iam.RolePolicy(f"{self._name}-log-stream-policy", role=stream_role.id, policy=policy_document(
            Statement(sid="DeliverToDomain", actions=["es:DescribeDomain", "es:DescribeDomains",
                                                      "es:DescribeDomainConfig", "es:ESHttpPost", "es:ESHttpPut"],
                      resources=[domain.arn, domain.arn.apply(lambda a: f"{a}/*")]),
            Statement(sid="FailedRecords", actions=["s3:PutObject", "s3:GetBucketLocation", "s3:ListBucket",
                                                    "s3:AbortMultipartUpload"],
                      resources=[failures.arn, failures.arn.apply(lambda a: f"{a}/*")]),
            Statement(sid="FailedRecordsKey", actions=["kms:GenerateDataKey", "kms:Decrypt"],
                      resources=[args.key_arns["storage"]]),
            # Firehose places its ENIs in the VPC. The Describe calls have no resource-level
            # permissions (Service Authorization Reference, Amazon EC2); the rest do: network
            # interfaces of this account and region, in the private subnets, behind its own group.
            Statement(sid="VpcLookups", actions=[
                "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
                "ec2:DescribeNetworkInterfaces"]),
            Statement(sid="VpcAttribute", actions=["ec2:DescribeVpcAttribute"],
                      resources=[pulumi.Output.concat(ec2_arn, "vpc/", args.network.vpc_id)]),
            Statement(sid="DeliveryInterfaces", actions=[
                "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
                resources=[f"{ec2_arn}network-interface/*", f"{ec2_arn}subnet/*",
                           pulumi.Output.concat(ec2_arn, "security-group/", stream_group.id)],
                conditions={"StringEquals": {"ec2:Vpc": pulumi.Output.concat(ec2_arn, "vpc/", args.network.vpc_id)}}),
            Statement(sid="DeliveryErrors", actions=["logs:PutLogEvents", "logs:CreateLogStream"],
                      resources=[stream_errors.arn.apply(lambda a: f"{a}:log-stream:*")])), opts=self._child)
        stream = aws.kinesis.FirehoseDeliveryStream(
            f"{self._name}-log-stream", name=physical_name("firehose-stream", prefix, "app-logs"),
            destination="opensearch",
            server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="CUSTOMER_MANAGED_CMK", key_arn=args.key_arns["logs"]),
            opensearch_configuration=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationArgs(
                domain_arn=domain.arn, role_arn=stream_role.arn, index_name="app-logs",
                index_rotation_period="OneDay", s3_backup_mode="FailedDocumentsOnly",
                s3_configuration=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationS3ConfigurationArgs(
                    role_arn=stream_role.arn, bucket_arn=failures.arn, compression_format="GZIP",
                    kms_key_arn=args.key_arns["storage"]),
                vpc_config=aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationVpcConfigArgs(
                    subnet_ids=args.network.private_subnet_ids, security_group_ids=[stream_group.id],
                    role_arn=stream_role.arn),
                cloudwatch_logging_options=(
                    aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationCloudwatchLoggingOptionsArgs(
                        enabled=True, log_group_name=stream_errors.name, log_stream_name="delivery")),
                # CloudWatch Logs hands subscriptions over gzipped, several events per record.
                processing_configuration=(
                    aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationArgs(
                        enabled=True, processors=[
                            _processor("Decompression", {"CompressionFormat": "GZIP"}),
                            _processor("CloudWatchLogProcessing", {"DataMessageExtraction": "true"})]))),
            tags=self._tags(f"{prefix}-app-logs"), opts=self._child)
        subscription_role = workload_role(
            f"{self._name}-log-subscription-role", args.roles,
            assume_role_policy=service_trust(f"logs.{args.config.region}.amazonaws.com", args.account_id),
            description="CloudWatch Logs forwards application logs to Firehose",
            tags=self._tags(f"{prefix}-log-subscription"), opts=self._child)
        aws.iam.RolePolicy(f"{self._name}-log-subscription-policy", role=subscription_role.id,
                           policy=policy_document(Statement(actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                                                            resources=[stream.arn])), opts=self._child)
        for s in args.compute.services:
            aws.cloudwatch.LogSubscriptionFilter(
                f"{self._name}-{s.name}-to-opensearch", name=f"{s.name}-to-opensearch", log_group=s.log_group_name,
                # `distribution` applies to Kinesis Data Streams destinations only; Firehose takes none.
                filter_pattern="", destination_arn=stream.arn, role_arn=subscription_role.arn, opts=self._child)
        return domain.dashboard_endpoint.apply(lambda endpoint: f"https://{endpoint}")


def _processor(kind: str, parameters: dict[str, str]) -> \
        aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorArgs:
    return aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorArgs(
        type=kind, parameters=[
            aws.kinesis.FirehoseDeliveryStreamOpensearchConfigurationProcessingConfigurationProcessorParameterArgs(
                parameter_name=name, parameter_value=value) for name, value in parameters.items()])
