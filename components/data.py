"""Data tier: RDS MySQL (+ in-region read replicas), ElastiCache (Valkey or Redis OSS), the assets
bucket and the SSM SecureString parameters the services read.

Generated secrets (database and cache passwords, JWT secret) come from pulumi_random; the Stripe
keys from `pulumi config set --secret`. All stay secret Outputs from creation to SSM.

In a DR stack (`standbyFor`) the same tier stands by: its "mysql" instance is a cross-region read
replica of the primary stack's database until `drMode: active` drops `replicate_source_db`, which
promotes it in place (same URN, same endpoint). The database password, JWT secret and Stripe keys
are the primary's (its secret exports), so the promoted database and the sessions keep working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from .config import ReadReplica, StackConfig, SuppliedSecrets, log_class
from .iam import RolePlacement, service_trust, workload_role
from .naming import physical_name
from .network import NetworkHandle
from .primary import PrimaryStack
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
class DatabaseHandle:
    """What the other tiers may use of the database: where it answers, as whom, and what to watch."""

    address: pulumi.Output[str]
    port: int
    name: str
    username: str
    arn: pulumi.Output[str]
    instance_ids: Mapping[str, pulumi.Input[str]]  # "primary" and each read replica's name
    is_replica: bool  # a DR stack's standby: the database replicates its primary's


@dataclass(frozen=True)
class CacheHandle:
    address: pulumi.Output[str]
    port: int
    group_name: str


@dataclass(frozen=True)
class DataHandle:
    """The data tier as the other tiers see it."""

    database: DatabaseHandle
    cache: CacheHandle
    assets: SecureBucket
    logs_bucket: SecureBucket
    parameter_arns: Mapping[str, pulumi.Input[str]]
    parameter_key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class DataArgs:
    name_prefix: str
    environment: str
    account_id: str
    config: StackConfig
    supplied: SuppliedSecrets
    network: NetworkHandle
    key_arns: Mapping[str, pulumi.Input[str]]  # by purpose: database, storage, secrets, logs
    tags: Mapping[str, str]
    roles: RolePlacement
    primary: PrimaryStack | None = None  # set in a DR stack: the stack whose data it replicates


class DataTier(pulumi.ComponentResource):
    handle: DataHandle
    standby_secrets: dict[str, pulumi.Output[str]]  # what a DR stack needs from this one, secret

    def __init__(self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:DataTier", name, None, opts)
        self._name, self._args, self._cfg = name, args, args.config
        self._child = pulumi.ResourceOptions(parent=self)
        self._stateful = pulumi.ResourceOptions(parent=self, protect=args.config.protect_stateful_resources)

        adopted = self._cfg.adopted_database
        self._db_port, self._db_name, self._db_username = MYSQL_PORT, DATABASE_NAME, adopted.username or DATABASE_USER
        self._db_security_group_id = self._client_only_group(
            "mysql", MYSQL_PORT, args.network.vpc_id, args.network.app_security_group_id,
            "MySQL from the application tier")
        self._redis_port = REDIS_PORT
        self._redis_security_group_id = self._client_only_group(
            "redis", REDIS_PORT, args.network.vpc_id, args.network.app_security_group_id,
            "Redis from the application tier")

        primary = args.primary
        # A standby's database is the primary's: same master password, same users.
        self._db_password = primary.secret("databasePassword") if primary else random.RandomPassword(
            f"{name}-mysql-master-password", length=32, special=True,
            override_special=DB_PASSWORD_SPECIALS, min_upper=2, min_lower=2, min_numeric=2,
            opts=self._child).result
        self._mysql_primary()
        self._mysql_replicas()
        self._redis()
        self._buckets()
        self._parameters()
        self.handle = DataHandle(
            database=DatabaseHandle(self._db_address, self._db_port, self._db_name, self._db_username, self._db_arn,
                                    self._db_instance_ids, self._db_is_replica),
            cache=CacheHandle(self._redis_address, self._redis_port, self._redis_group_name),
            assets=self._assets, logs_bucket=self._logs_bucket, parameter_arns=self._parameter_arns,
            parameter_key_arn=self._parameter_key_arn)

        self.register_outputs({
            "db_address": self._db_address, "redis_address": self._redis_address,
            "assets_bucket": self._assets.name, "parameter_arns": self._parameter_arns,
        })

    # --- shared pieces ----------------------------------------------------------------------

    def _tags(self, name: str, **extra: str) -> dict[str, str]:
        return named(self._args.tags, name, **extra)

    def _client_only_group(self, label: str, port: int, vpc_id: pulumi.Input[str],
                           client_group_id: pulumi.Input[str], description: str) -> pulumi.Output[str]:
        """A group admitting `port` from one client group only, and no egress at all."""
        prefix, opts = self._args.name_prefix, self._child
        group = aws.ec2.SecurityGroup(f"{self._name}-{label}-sg", vpc_id=vpc_id,
                                      description=f"{label}: {description}",
                                      tags=self._tags(f"{prefix}-{label}"), opts=opts)
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{label}-from-clients", security_group_id=group.id, ip_protocol="tcp",
            from_port=port, to_port=port, referenced_security_group_id=client_group_id,
            description=description,
            tags=self._tags(f"{prefix}-{label}-clients"), opts=opts)
        return group.id

    def _log_group(self, label: str, name: str, key_arn: pulumi.Input[str]) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-{label}-logs", name=name, retention_in_days=self._cfg.log_retention_days,
            kms_key_id=key_arn, log_group_class=log_class(self._cfg), tags=self._tags(name),
            opts=self._child)

    # --- RDS MySQL --------------------------------------------------------------------------

    def _parameter_group(self, label: str) -> aws.rds.ParameterGroup:
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
            tags=self._tags(f"{self._args.name_prefix}-{label}-params"), opts=self._child)

    def _monitoring_role(self) -> aws.iam.Role:
        role = workload_role(f"{self._name}-rds-monitoring-role", self._args.roles,
                            assume_role_policy=service_trust("monitoring.rds.amazonaws.com",
                                                             self._args.account_id),
                            description="RDS enhanced monitoring",
                            tags=self._tags(f"{self._args.name_prefix}-rds-monitoring"), opts=self._child)
        aws.iam.RolePolicyAttachment(f"{self._name}-rds-monitoring-policy", role=role.name,
                                     policy_arn=ENHANCED_MONITORING_POLICY, opts=self._child)
        return role

    def _instance_logs(self, identifier: str, key_arn: pulumi.Input[str]) -> list[aws.cloudwatch.LogGroup]:
        # Created before the instance so RDS's exports land in groups with our retention and key.
        return [self._log_group(f"{identifier}-{kind}", f"/aws/rds/instance/{identifier}/{kind}", key_arn)
                for kind in ("error", "slowquery")]

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
        adopted = cfg.adopted_database
        identifier = adopted.identifier or physical_name("rds-instance", args.name_prefix, "mysql")
        # RDS re-encrypts storage only through a snapshot copy, and Performance Insights keeps its
        # first key: an adopted instance keeps both.
        key_arn = adopted.kms_key_arn or args.key_arns["database"]
        self._params = self._parameter_group("mysql")
        self._monitoring = self._monitoring_role()
        # RDS refuses a monitoring role with enhanced monitoring off (interval 0).
        self._monitoring_role_arn = self._monitoring.arn if cfg.db_monitoring_interval_seconds else None
        subnet_group = aws.rds.SubnetGroup(
            f"{self._name}-mysql-subnets", subnet_ids=args.network.isolated_subnet_ids,
            description="Isolated subnets of the data tier",
            tags=self._tags(f"{args.name_prefix}-mysql"), opts=self._child)
        log_groups = self._instance_logs(identifier, args.key_arns["logs"])
        final_snapshot = dict(skip_final_snapshot=False,
                              final_snapshot_identifier=physical_name("rds-snapshot", identifier, "final"))
        self._db_is_replica = args.primary is not None and cfg.dr_mode == "standby"
        if args.primary is None:
            # What only a new database takes; a promoted replica keeps the primary's.
            origin: dict = dict(engine="mysql", engine_version=cfg.db_engine_version,
                                allocated_storage=cfg.db_allocated_storage_gib, db_name=DATABASE_NAME,
                                username=self._db_username, password=self._db_password, port=MYSQL_PORT,
                                **final_snapshot)
        elif self._db_is_replica:
            # RDS takes no final snapshot of a read replica; the primary's backups cover the data.
            origin = dict(replicate_source_db=args.primary.database_arn, skip_final_snapshot=True)
        else:
            # Without replicate_source_db the provider promotes the replica (PromoteReadReplica):
            # an update of this same resource, never a new database.
            origin = final_snapshot
        self._primary = aws.rds.Instance(
            f"{self._name}-mysql", identifier=identifier, auto_minor_version_upgrade=True,
            instance_class=cfg.db_instance_class, multi_az=cfg.db_multi_az,
            max_allocated_storage=cfg.db_max_allocated_storage_gib, storage_type="gp3",
            storage_encrypted=True, kms_key_id=key_arn,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self._db_security_group_id], publicly_accessible=False,
            parameter_group_name=self._params.name, ca_cert_identifier="rds-ca-rsa2048-g1",
            backup_retention_period=cfg.db_backup_retention_days, backup_window=cfg.db_backup_window,
            maintenance_window=cfg.db_maintenance_window, copy_tags_to_snapshot=True,
            delete_automated_backups=False, deletion_protection=cfg.db_deletion_protection,
            performance_insights_kms_key_id=key_arn,
            monitoring_role_arn=self._monitoring_role_arn,
            enabled_cloudwatch_logs_exports=["error", "slowquery"],
            iam_database_authentication_enabled=True,
            # A DR stack's changes (promotion, Multi-AZ, class) cannot wait for a maintenance window.
            apply_immediately=args.primary is not None,
            tags=self._tags(identifier, **({"Role": "read-replica"} if self._db_is_replica else {})),
            **origin, **self._insights(),
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(
                depends_on=log_groups, custom_timeouts=SLOW_CREATE)))
        self._db_address, self._db_arn = self._primary.address, self._primary.arn
        self._db_instance_ids = {"primary": self._primary.identifier}

    def _mysql_replicas(self) -> None:
        for replica in self._cfg.read_replicas:
            self._replica(replica)

    def _replica(self, replica: ReadReplica) -> None:
        identifier = physical_name("rds-instance", self._args.name_prefix, replica.name)
        # An in-region replica is encrypted with its primary's key: an adopted one keeps it too.
        key_arn = self._cfg.adopted_database.kms_key_arn or self._args.key_arns["database"]
        log_groups = self._instance_logs(identifier, self._args.key_arns["logs"])
        instance = aws.rds.Instance(
            f"{self._name}-{replica.name}", identifier=identifier, replicate_source_db=self._primary.identifier,
            instance_class=replica.instance_class, availability_zone=replica.availability_zone,
            storage_type="gp3", storage_encrypted=True, kms_key_id=key_arn,
            vpc_security_group_ids=[self._db_security_group_id],
            publicly_accessible=False, parameter_group_name=self._params.name,
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
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(
                depends_on=log_groups, custom_timeouts=SLOW_CREATE)))
        self._db_instance_ids[replica.name] = instance.identifier

    # --- ElastiCache Redis ------------------------------------------------------------------

    def _redis(self) -> None:
        cfg, args = self._cfg, self._args
        group_id = self._redis_group_name = physical_name("elasticache-group", args.name_prefix, "redis")
        subnet_group = aws.elasticache.SubnetGroup(
            f"{self._name}-redis-subnets", subnet_ids=args.network.isolated_subnet_ids,
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
            security_group_ids=[self._redis_security_group_id],
            snapshot_retention_limit=cfg.redis_snapshot_retention_days,
            snapshot_window=cfg.redis_snapshot_window, maintenance_window=cfg.redis_maintenance_window,
            final_snapshot_identifier=physical_name("elasticache-snapshot", group_id, "final"),
            auto_minor_version_upgrade=True,
            # A DR stack's resize at failover cannot wait for a maintenance window.
            apply_immediately=args.primary is not None,
            log_delivery_configurations=[aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                destination=slow_log.name, destination_type="cloudwatch-logs", log_format="json",
                log_type="slow-log")],
            tags=self._tags(group_id),
            opts=pulumi.ResourceOptions.merge(self._stateful, pulumi.ResourceOptions(
                custom_timeouts=SLOW_CREATE)))
        self._redis_address = group.primary_endpoint_address

    # --- S3 ---------------------------------------------------------------------------------

    def _buckets(self) -> None:
        cfg, args = self._cfg, self._args
        prefix, account = args.name_prefix, args.account_id
        self._logs_bucket = access_log_bucket(
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
        self._assets = SecureBucket("assets", SecureBucketArgs(
            bucket_name=cfg.adopted_assets_bucket or physical_name("s3-bucket", prefix, "assets", account),
            tags=args.tags,
            kms_key_arn=args.key_arns["storage"],
            lifecycle_rules=rules, access_log_bucket=self._logs_bucket.name, access_log_prefix="s3/assets/",
            deferred_policy=True, protect=cfg.protect_stateful_resources,
            # A DR stack's assets bucket is the primary's replication destination.
            extra={"DataClassification": "confidential", **({"ReplicaOf": "assets"} if args.primary else {})}),
            opts=self._child)

    # --- SSM parameters ---------------------------------------------------------------------

    def _parameters(self) -> None:
        args, primary = self._args, self._args.primary
        # The primary's secrets, secret end to end: the guide's "SecretBackup (encrypted)".
        self.standby_secrets = {
            "databasePassword": pulumi.Output.secret(self._db_password),
            "jwtSecret": primary.secret("jwtSecret") if primary else random.RandomPassword(
                f"{self._name}-jwt-secret", length=64, special=False, opts=self._child).result,
            "stripeSecretKey": primary.secret("stripeSecretKey") if primary else _supplied(
                args.supplied.stripe_secret_key, "stripeSecretKey"),
            "stripePublicKey": primary.secret("stripePublicKey") if primary else _supplied(
                args.supplied.stripe_public_key, "stripePublicKey"),
        }
        # The password is a secret Output already, so the formatted URL is one too. In a DR stack
        # it names this region's instance: the replica's endpoint is the promoted primary's.
        database_url = pulumi.Output.format("mysql://{0}:{1}@{2}:{3}/{4}", self._db_username,
                                            self._db_password, self._db_address, MYSQL_PORT,
                                            DATABASE_NAME)
        values: dict[str, pulumi.Input[str]] = {
            "database/url": database_url,
            "database/password": self._db_password,
            "app/jwt-secret": self.standby_secrets["jwtSecret"],
            "cache/auth-token": self._redis_token.result,
            "payments/stripe-secret": self.standby_secrets["stripeSecretKey"],
            "stripe/public-key": self.standby_secrets["stripePublicKey"],
        }
        self._parameter_key_arn = args.key_arns["secrets"]
        self._parameter_arns = {}
        for path, value in values.items():
            name = f"/elite-locadora/{args.environment}/{path}"
            parameter = aws.ssm.Parameter(
                f"{self._name}-{path.replace('/', '-')}", name=name, type="SecureString",
                value=pulumi.Output.secret(value), key_id=args.key_arns["secrets"], tier="Standard",
                description=f"Elite Locadora {args.environment}: {path}", tags=self._tags(name),
                opts=self._child)
            self._parameter_arns[path] = parameter.arn


def _supplied(value: pulumi.Output[str] | None, key: str) -> pulumi.Output[str]:
    # Where config does not require the key (staging), an unset key becomes an obvious marker
    # the application can refuse, rather than a missing parameter that stops every task.
    return value if value is not None else pulumi.Output.secret(f"unset: pulumi config set --secret {key}")
