"""Data tier: RDS MySQL (+ read replicas, one in the DR region), ElastiCache Redis, the assets
bucket (+ cross-region replica) and the SSM SecureString parameters the services read.

Generated secrets (database and Redis passwords, JWT secret) come from pulumi_random; the Stripe
keys from `pulumi config set --secret`. All stay secret Outputs from creation to SSM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from .config import ReadReplica, StackConfig, SuppliedSecrets, log_class
from .iam import RolePlacement, Statement, policy_document, service_trust, workload_role
from .naming import physical_name
from .storage import SecureBucket, SecureBucketArgs, access_log_bucket, expire_old_versions
from .tagging import named

MYSQL_PORT, REDIS_PORT = 3306, 6379
DATABASE_NAME, DATABASE_USER = "elite_locadora", "elite_admin"
SLOW_CREATE = pulumi.CustomTimeouts(create="90m", update="90m", delete="90m")
# RDS master passwords may not contain / " @ or spaces; these also survive in a URL unescaped.
DB_PASSWORD_SPECIALS = "-_.~!*"  # noqa: S105 - an alphabet, not a password
# ElastiCache AUTH tokens accept only these special characters.
REDIS_TOKEN_SPECIALS = "!&#$^<>-"  # noqa: S105 - an alphabet, not a password
ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
# What the guide's key layout (README, "Assets bucket") keeps under backups/ moves to colder storage.
BACKUPS_PREFIX = "backups/"


@dataclass(frozen=True)
class DrSite:
    """The DR region as the data tier needs it: provider, network and keys there."""

    provider: aws.Provider
    region: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    isolated_subnet_ids: pulumi.Input[list[str]]
    database_key_arn: pulumi.Input[str]
    storage_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class DataArgs:
    name_prefix: str
    environment: str
    account_id: str
    config: StackConfig
    supplied: SuppliedSecrets
    vpc_id: pulumi.Input[str]
    isolated_subnet_ids: pulumi.Input[list[str]]
    app_security_group_id: pulumi.Input[str]
    key_arns: Mapping[str, pulumi.Input[str]]  # database, storage, secrets, logs
    tags: Mapping[str, str]
    roles: RolePlacement
    dr: DrSite | None = None


class DataTier(pulumi.ComponentResource):
    db_address: pulumi.Output[str]
    db_port: int
    db_name: str
    db_username: str
    db_instance_ids: dict[str, pulumi.Output[str]]  # primary and replicas, for alarms
    db_security_group_id: pulumi.Output[str]
    redis_address: pulumi.Output[str]
    redis_port: int
    redis_replication_group_id: pulumi.Output[str]
    redis_group_name: str
    redis_security_group_id: pulumi.Output[str]
    assets: SecureBucket
    logs_bucket: SecureBucket
    parameter_arns: dict[str, pulumi.Output[str]]
    parameter_key_arn: pulumi.Input[str]

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:DataTier", name, None, opts)
        self._name, self._args, self._cfg = name, args, args.config
        self._child = pulumi.ResourceOptions(parent=self)
        self._stateful = pulumi.ResourceOptions(parent=self, protect=args.config.protect_stateful_resources)

        self.db_port, self.db_name, self.db_username = MYSQL_PORT, DATABASE_NAME, DATABASE_USER
        self.db_security_group_id = self._client_only_group(
            "mysql", MYSQL_PORT, args.vpc_id, args.app_security_group_id, "MySQL from the application tier")
        self.redis_port = REDIS_PORT
        self.redis_security_group_id = self._client_only_group(
            "redis", REDIS_PORT, args.vpc_id, args.app_security_group_id, "Redis from the application tier")

        self._db_password = random.RandomPassword(
            f"{name}-mysql-master-password", length=32, special=True,
            override_special=DB_PASSWORD_SPECIALS, min_upper=2, min_lower=2, min_numeric=2,
            opts=self._child)
        self._mysql_primary()
        self._mysql_replicas()
        self._redis()
        self._buckets()
        self._parameters()

        self.register_outputs({
            "db_address": self.db_address, "redis_address": self.redis_address,
            "assets_bucket": self.assets.name, "parameter_arns": self.parameter_arns,
        })

    # --- shared pieces ----------------------------------------------------------------------

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return named(self._args.tags, name, **extra)

    def _client_only_group(self, label: str, port: int, vpc_id: pulumi.Input[str],
                           client_group_id: pulumi.Input[str] | None, description: str,
                           client_cidr: str | None = None,
                           opts: pulumi.ResourceOptions | None = None) -> pulumi.Output[str]:
        """A group admitting `port` from one client group (or CIDR) only, and no egress at all."""
        prefix = self._args.name_prefix
        opts = opts or self._child
        group = aws.ec2.SecurityGroup(f"{self._name}-{label}-sg", vpc_id=vpc_id,
                                      description=f"{label}: {description}",
                                      tags=self._tags(f"{prefix}-{label}"), opts=opts)
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{label}-from-clients", security_group_id=group.id, ip_protocol="tcp",
            from_port=port, to_port=port, referenced_security_group_id=client_group_id,
            cidr_ipv4=client_cidr, description=description,
            tags=self._tags(f"{prefix}-{label}-clients"), opts=opts)
        return group.id

    def _log_group(self, label: str, name: str, key_arn: pulumi.Input[str],
                   opts: pulumi.ResourceOptions | None = None) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-{label}-logs", name=name, retention_in_days=self._cfg.log_retention_days,
            kms_key_id=key_arn, log_group_class=log_class(self._cfg), tags=self._tags(name),
            opts=opts or self._child)

    # --- RDS MySQL --------------------------------------------------------------------------

    def _parameter_group(self, label: str, opts: pulumi.ResourceOptions) -> aws.rds.ParameterGroup:
        cfg = self._cfg
        parameters = {
            "innodb_buffer_pool_size": ("{DBInstanceClassMemory*3/4}", "pending-reboot"),
            "max_connections": (str(cfg.db_max_connections), "immediate"),
            "slow_query_log": ("1", "immediate"),
            "long_query_time": ("2", "immediate"),
            "log_queries_not_using_indexes": ("1", "immediate"),
            "log_output": ("FILE", "immediate"),  # slow-query log export needs FILE
            "require_secure_transport": ("1", "immediate"),
        }
        return aws.rds.ParameterGroup(
            f"{self._name}-{label}-params", family=cfg.db_parameter_group_family,
            description=f"Elite Locadora MySQL ({self._args.environment}): guide parameters + TLS only",
            parameters=[aws.rds.ParameterGroupParameterArgs(name=k, value=v, apply_method=m)
                        for k, (v, m) in parameters.items()],
            tags=self._tags(f"{self._args.name_prefix}-{label}-params"), opts=opts)

    def _monitoring_role(self) -> aws.iam.Role:
        role = workload_role(f"{self._name}-rds-monitoring-role", self._args.roles,
                            assume_role_policy=service_trust("monitoring.rds.amazonaws.com",
                                                             self._args.account_id),
                            description="RDS enhanced monitoring",
                            tags=self._tags(f"{self._args.name_prefix}-rds-monitoring"), opts=self._child)
        aws.iam.RolePolicyAttachment(f"{self._name}-rds-monitoring-policy", role=role.name,
                                     policy_arn=ENHANCED_MONITORING_POLICY, opts=self._child)
        return role

    def _instance_logs(self, identifier: str, key_arn: pulumi.Input[str],
                       opts: pulumi.ResourceOptions | None = None) -> list[aws.cloudwatch.LogGroup]:
        # Created before the instance so RDS's exports land in groups with our retention and key.
        return [self._log_group(f"{identifier}-{kind}", f"/aws/rds/instance/{identifier}/{kind}",
                                key_arn, opts) for kind in ("error", "slowquery")]

    def _insights(self, mode: str | None = None) -> dict:
        """Performance Insights on every instance; advanced Database Insights (billed per vCPU-hour,
        465 days) where config asks for it, the free 7-day standard mode elsewhere."""
        cfg = self._cfg
        mode = mode or cfg.db_insights_mode
        retention = cfg.db_performance_insights_retention_days if mode == cfg.db_insights_mode or \
            mode == "advanced" else 7
        return dict(performance_insights_enabled=True, performance_insights_retention_period=retention,
                    database_insights_mode=mode, monitoring_interval=cfg.db_monitoring_interval_seconds)

    def _mysql_primary(self) -> None:
        cfg, args = self._cfg, self._args
        identifier = physical_name("rds-instance", args.name_prefix, "mysql")
        self._params = self._parameter_group("mysql", self._child)
        self._monitoring = self._monitoring_role()
        # RDS refuses a monitoring role with enhanced monitoring off (interval 0).
        self._monitoring_role_arn = self._monitoring.arn if cfg.db_monitoring_interval_seconds else None
        subnet_group = aws.rds.SubnetGroup(
            f"{self._name}-mysql-subnets", subnet_ids=args.isolated_subnet_ids,
            description="Isolated subnets of the data tier",
            tags=self._tags(f"{args.name_prefix}-mysql"), opts=self._child)
        log_groups = self._instance_logs(identifier, args.key_arns["logs"])
        self._primary = aws.rds.Instance(
            f"{self._name}-mysql", identifier=identifier, engine="mysql",
            engine_version=cfg.db_engine_version, auto_minor_version_upgrade=True,
            instance_class=cfg.db_instance_class, multi_az=cfg.db_multi_az,
            allocated_storage=cfg.db_allocated_storage_gib,
            max_allocated_storage=cfg.db_max_allocated_storage_gib, storage_type="gp3",
            storage_encrypted=True, kms_key_id=args.key_arns["database"],
            db_name=DATABASE_NAME, username=DATABASE_USER, password=self._db_password.result,
            port=MYSQL_PORT, db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.db_security_group_id], publicly_accessible=False,
            parameter_group_name=self._params.name, ca_cert_identifier="rds-ca-rsa2048-g1",
            backup_retention_period=cfg.db_backup_retention_days, backup_window=cfg.db_backup_window,
            maintenance_window=cfg.db_maintenance_window, copy_tags_to_snapshot=True,
            delete_automated_backups=False, deletion_protection=cfg.db_deletion_protection,
            skip_final_snapshot=False, final_snapshot_identifier=physical_name("rds-snapshot", identifier, "final"),
            performance_insights_kms_key_id=args.key_arns["database"],
            monitoring_role_arn=self._monitoring_role_arn,
            enabled_cloudwatch_logs_exports=["error", "slowquery"],
            iam_database_authentication_enabled=True, apply_immediately=False,
            tags=self._tags(identifier), **self._insights(),
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(
                depends_on=log_groups, custom_timeouts=SLOW_CREATE)))
        self.db_address = self._primary.address
        self.db_instance_ids = {"primary": self._primary.identifier}

    def _mysql_replicas(self) -> None:
        for replica in self._cfg.read_replicas:
            if replica.region == self._cfg.region:
                self._replica(replica, self._child, self._args.key_arns["database"],
                              self._params.name, self._primary.identifier,
                              self.db_security_group_id, None, self._args.key_arns["logs"])
            else:
                self._cross_region_replica(replica)

    def _cross_region_replica(self, replica: ReadReplica) -> None:
        dr = self._args.dr
        if dr is None or dr.region != replica.region:  # config validation makes this unreachable
            raise pulumi.RunError(f"replica {replica.name} in {replica.region} has no DR site")
        in_dr = pulumi.ResourceOptions(parent=self, provider=dr.provider)
        # Nothing runs in the DR VPC until a failover; until then the replica admits only the
        # DR VPC itself (the runbook opens it to the rebuilt application tier).
        group_id = self._client_only_group(f"{replica.name}-mysql", MYSQL_PORT, dr.vpc_id, None,
                                           "MySQL from inside the DR VPC", client_cidr=dr.vpc_cidr,
                                           opts=in_dr)
        subnet_group = aws.rds.SubnetGroup(
            f"{self._name}-{replica.name}-subnets", subnet_ids=dr.isolated_subnet_ids,
            description="Isolated subnets of the DR network",
            tags=self._tags(f"{self._args.name_prefix}-{replica.name}"), opts=in_dr)
        params = self._parameter_group(f"{replica.name}-mysql", in_dr)
        self._replica(replica, in_dr, dr.database_key_arn, params.name, self._primary.arn, group_id,
                      subnet_group.name, dr.logs_key_arn)

    def _replica(self, replica: ReadReplica, opts: pulumi.ResourceOptions, key_arn: pulumi.Input[str],
                 parameter_group: pulumi.Input[str], source: pulumi.Input[str],
                 group_id: pulumi.Input[str], subnet_group: pulumi.Input[str] | None,
                 log_key_arn: pulumi.Input[str]) -> None:
        identifier = physical_name("rds-instance", self._args.name_prefix, replica.name)
        # In the replica's own region: RDS exports to log groups there.
        log_groups = self._instance_logs(identifier, log_key_arn, opts)
        instance = aws.rds.Instance(
            f"{self._name}-{replica.name}", identifier=identifier, replicate_source_db=source,
            instance_class=replica.instance_class, availability_zone=replica.availability_zone,
            storage_type="gp3", storage_encrypted=True, kms_key_id=key_arn,
            db_subnet_group_name=subnet_group, vpc_security_group_ids=[group_id],
            publicly_accessible=False, parameter_group_name=parameter_group,
            ca_cert_identifier="rds-ca-rsa2048-g1", auto_minor_version_upgrade=True,
            # Backups on the replica let it be promoted into a primary that is backed up at once.
            backup_retention_period=self._cfg.db_backup_retention_days,
            backup_window=self._cfg.db_backup_window, maintenance_window=self._cfg.db_maintenance_window,
            copy_tags_to_snapshot=True, deletion_protection=self._cfg.db_deletion_protection,
            # RDS takes no final snapshot of a read replica; the primary's covers the data.
            skip_final_snapshot=True,
            performance_insights_kms_key_id=key_arn, monitoring_role_arn=self._monitoring_role_arn,
            enabled_cloudwatch_logs_exports=["error", "slowquery"], iam_database_authentication_enabled=True,
            apply_immediately=False, tags=self._tags(identifier, Role="read-replica"),
            **self._insights(replica.insights_mode),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
                protect=self._cfg.protect_stateful_resources, depends_on=log_groups,
                custom_timeouts=SLOW_CREATE)))
        self.db_instance_ids[replica.name] = instance.identifier

    # --- ElastiCache Redis ------------------------------------------------------------------

    def _redis(self) -> None:
        cfg, args = self._cfg, self._args
        group_id = self.redis_group_name = physical_name("elasticache-group", args.name_prefix, "redis")
        subnet_group = aws.elasticache.SubnetGroup(
            f"{self._name}-redis-subnets", subnet_ids=args.isolated_subnet_ids,
            description="Isolated subnets of the data tier", tags=self._tags(group_id), opts=self._child)
        params = aws.elasticache.ParameterGroup(
            f"{self._name}-redis-params", family=cfg.cache_parameter_group_family,
            description=f"Elite Locadora {cfg.cache_engine}: the guide's cache settings",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name=k, value=v) for k, v in (
                ("maxmemory-policy", "allkeys-lru"), ("timeout", "300"), ("tcp-keepalive", "60"))],
            tags=self._tags(f"{group_id}-params"), opts=self._child)
        self._redis_token = random.RandomPassword(
            f"{self._name}-redis-auth-token", length=64, special=True,
            override_special=REDIS_TOKEN_SPECIALS, opts=self._child)
        slow_log = self._log_group("redis-slow", f"/{args.name_prefix}/redis/slow-log", args.key_arns["logs"])
        group = aws.elasticache.ReplicationGroup(
            f"{self._name}-redis", replication_group_id=group_id,
            # Valkey speaks the Redis protocol (same clients, AUTH, TLS); a Redis OSS group moves to
            # Valkey in place by changing cacheEngine (README). The group id keeps "redis": renaming
            # it would replace the cache.
            description=f"Elite Locadora cache ({cfg.cache_engine})", engine=cfg.cache_engine,
            engine_version=cfg.cache_engine_version, node_type=cfg.redis_node_type,
            num_cache_clusters=cfg.redis_node_count, port=REDIS_PORT,
            automatic_failover_enabled=True, multi_az_enabled=True,
            at_rest_encryption_enabled=True, kms_key_id=args.key_arns["database"],
            transit_encryption_enabled=True, transit_encryption_mode="required",
            auth_token=self._redis_token.result, auth_token_update_strategy="ROTATE",  # noqa: S106 - a strategy name
            parameter_group_name=params.name, subnet_group_name=subnet_group.name,
            security_group_ids=[self.redis_security_group_id],
            snapshot_retention_limit=cfg.redis_snapshot_retention_days,
            snapshot_window=cfg.redis_snapshot_window, maintenance_window=cfg.redis_maintenance_window,
            final_snapshot_identifier=physical_name("elasticache-snapshot", group_id, "final"),
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            log_delivery_configurations=[aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                destination=slow_log.name, destination_type="cloudwatch-logs", log_format="json",
                log_type="slow-log")],
            tags=self._tags(group_id),
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(
                custom_timeouts=SLOW_CREATE)))
        self.redis_address = group.primary_endpoint_address
        self.redis_replication_group_id = group.id

    # --- S3 ---------------------------------------------------------------------------------

    def _buckets(self) -> None:
        cfg, args = self._cfg, self._args
        prefix, account = args.name_prefix, args.account_id
        self.logs_bucket = access_log_bucket(
            "logs", physical_name("s3-bucket", prefix, "logs", account), account, cfg.log_retention_days, args.tags,
            cfg.protect_stateful_resources, self._child, deferred_policy=True)
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="backups-to-cold-storage", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=BACKUPS_PREFIX),
                transitions=[
                    aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                        days=cfg.assets_infrequent_access_days, storage_class="STANDARD_IA"),
                    aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                        days=cfg.assets_glacier_days, storage_class="GLACIER")],
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=cfg.assets_expiration_days)),
            expire_old_versions(90),
        ]
        self.assets = SecureBucket("assets", SecureBucketArgs(
            bucket_name=physical_name("s3-bucket", prefix, "assets", account), tags=args.tags,
            kms_key_arn=args.key_arns["storage"],
            lifecycle_rules=rules, access_log_bucket=self.logs_bucket.name, access_log_prefix="s3/assets/",
            deferred_policy=True, protect=cfg.protect_stateful_resources,
            extra={"DataClassification": "confidential"}), opts=self._child)
        if cfg.assets_replication:
            self._replicate_assets()

    def _replicate_assets(self) -> None:
        dr, args = self._args.dr, self._args
        if dr is None:  # config validation makes this unreachable
            raise pulumi.RunError("assetsReplication needs the DR site (drNetwork: true)")
        in_dr = pulumi.ResourceOptions(parent=self, provider=dr.provider)
        # Server access logs go to a bucket in the same region as the bucket they describe.
        dr_logs = access_log_bucket(
            "dr-logs", physical_name("s3-bucket", args.name_prefix, "dr-logs", args.account_id), args.account_id,
            self._cfg.log_retention_days, args.tags, self._cfg.protect_stateful_resources, in_dr)
        replica = SecureBucket("assets-replica", SecureBucketArgs(
            bucket_name=physical_name("s3-bucket", args.name_prefix, "assets-replica", args.account_id), tags=args.tags,
            kms_key_arn=dr.storage_key_arn, protect=self._cfg.protect_stateful_resources,
            lifecycle_rules=[expire_old_versions()], access_log_bucket=dr_logs.name,
            access_log_prefix="s3/assets-replica/",
            extra={"DataClassification": "confidential", "ReplicaOf": "assets"}), opts=in_dr)
        source = self.assets
        role = workload_role(f"{self._name}-assets-replication-role", args.roles,
                            assume_role_policy=service_trust("s3.amazonaws.com", args.account_id),
                            description="S3 replication of the assets bucket to the DR region",
                            tags=self._tags(f"{args.name_prefix}-assets-replication"), opts=self._child)
        aws.iam.RolePolicy(f"{self._name}-assets-replication-policy", role=role.id, policy=policy_document(
            Statement(actions=["s3:GetReplicationConfiguration", "s3:ListBucket"], resources=[source.arn]),
            Statement(actions=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                               "s3:GetObjectVersionTagging"],
                      resources=[source.arn.apply(lambda a: f"{a}/*")]),
            Statement(actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                      resources=[replica.arn.apply(lambda a: f"{a}/*")]),
            Statement(actions=["kms:Decrypt"], resources=[args.key_arns["storage"]]),
            Statement(actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[dr.storage_key_arn])),
            opts=self._child)
        aws.s3.BucketReplicationConfig(
            f"{self._name}-assets-replication", role=role.arn, bucket=source.bucket.id,
            rules=[aws.s3.BucketReplicationConfigRuleArgs(
                id="assets-to-dr", status="Enabled", priority=1,
                filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                    status="Enabled"),
                source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                    sse_kms_encrypted_objects=(
                        aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"))),
                destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                    bucket=replica.arn, storage_class="STANDARD_IA",
                    encryption_configuration=(
                        aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=dr.storage_key_arn))))],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[source.versioning, replica.versioning]))

    # --- SSM parameters ---------------------------------------------------------------------

    def _parameters(self) -> None:
        args = self._args
        jwt = random.RandomPassword(f"{self._name}-jwt-secret", length=64, special=False, opts=self._child)
        # The password is a secret Output already, so the formatted URL is one too.
        database_url = pulumi.Output.format("mysql://{0}:{1}@{2}:{3}/{4}", DATABASE_USER,
                                            self._db_password.result, self.db_address, MYSQL_PORT,
                                            DATABASE_NAME)
        values: dict[str, pulumi.Input[str]] = {
            "database/url": database_url,
            "database/password": self._db_password.result,
            "app/jwt-secret": jwt.result,
            "cache/auth-token": self._redis_token.result,
            "payments/stripe-secret": _supplied(args.supplied.stripe_secret_key, "stripeSecretKey"),
            "stripe/public-key": _supplied(args.supplied.stripe_public_key, "stripePublicKey"),
        }
        self.parameter_key_arn = args.key_arns["secrets"]
        self.parameter_arns = {}
        for path, value in values.items():
            name = f"/elite-locadora/{args.environment}/{path}"
            parameter = aws.ssm.Parameter(
                f"{self._name}-{path.replace('/', '-')}", name=name, type="SecureString",
                value=pulumi.Output.secret(value), key_id=args.key_arns["secrets"], tier="Standard",
                description=f"Elite Locadora {args.environment}: {path}", tags=self._tags(name),
                opts=self._child)
            self.parameter_arns[path] = parameter.arn


def _supplied(value: pulumi.Output[str] | None, key: str) -> pulumi.Output[str]:
    # Where config does not require the key (staging), an unset key becomes an obvious marker
    # the application can refuse, rather than a missing parameter that stops every task.
    return value if value is not None else pulumi.Output.secret(f"unset: pulumi config set --secret {key}")
