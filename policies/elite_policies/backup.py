"""Backup retention and recoverability: RDS, Redis, bucket versions and replicas, protected state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import Setting, depends_on, get, known, number, of_type, referenced, resource_rule, stack_rule


@resource_rule("rds-backup-retention", family="backup", types=[t.RDS_INSTANCE], control="RDS.11",
               severity=Severity.HIGH,
               description="Checks whether RDS primaries, and cross-region replicas (a DR standby: a primary the "
                           "moment it is promoted), keep automated backups for at least minimumDays.",
               message="Raise backup_retention_period (dbBackupRetentionDays) to at least minimumDays",
               settings={"minimumDays": Setting(7, {"type": "integer", "minimum": 1, "maximum": 35},
                                                "days of automated backups (production: 30)")})
def rds_backup_retention(props: Mapping[str, Any], config: Mapping[str, Any]):
    source = str(get(props, "replicateSourceDb", default=""))
    if source and not source.startswith("arn:"):
        return None  # an in-region read replica: the primary's backups are the ones restored
    days = number(get(props, "backupRetentionPeriod", default=0)) or 0.0
    return None if days >= config["minimumDays"] else f"{days:.0f} days < {float(config['minimumDays']):.0f}"


@resource_rule("rds-final-snapshot", family="backup", types=[t.RDS_INSTANCE], severity=Severity.HIGH,
               description="Checks whether deleting an RDS primary leaves a final snapshot.",
               message="Set skip_final_snapshot=False and a final_snapshot_identifier on the RDS primary")
def rds_final_snapshot(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "replicateSourceDb"):
        return None  # RDS takes no final snapshot of a read replica
    if get(props, "skipFinalSnapshot") is not False:
        return "skipFinalSnapshot is not false"
    return None if get(props, "finalSnapshotIdentifier") else "no finalSnapshotIdentifier"


@resource_rule("rds-deletion-protection", family="backup", types=[t.RDS_INSTANCE], control="RDS.8",
               description="Checks whether RDS instances have deletion protection.",
               message="Set deletion_protection=True (dbDeletionProtection)")
def rds_deletion_protection(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "deletionProtection") is True else "deletionProtection is not true"


@resource_rule("elasticache-snapshot-retention", family="backup", types=[t.REDIS_GROUP], control="ElastiCache.1",
               description="Checks whether Redis keeps automatic snapshots for at least minimumDays.",
               message="Raise snapshot_retention_limit (redisSnapshotRetentionDays) to at least minimumDays",
               settings={"minimumDays": Setting(1, {"type": "integer", "minimum": 1, "maximum": 35},
                                                "days of Redis snapshots")})
def elasticache_snapshots(props: Mapping[str, Any], config: Mapping[str, Any]):
    days = number(get(props, "snapshotRetentionLimit", default=0)) or 0.0
    return None if days >= config["minimumDays"] else f"{days:.0f} days < {float(config['minimumDays']):.0f}"


@stack_rule("s3-bucket-versioning", judges=t.BUCKETS, family="backup", control="S3.14",
            description="Checks whether every S3 bucket has versioning enabled.",
            message="Give the bucket a BucketVersioning resource with status 'Enabled'")
def s3_versioning(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    versioning = {b.urn: v for v in of_type(resources, *t.BUCKET_VERSIONING) for b in depends_on(v, "bucket")}
    for bucket in of_type(resources, *t.BUCKETS):
        found = versioning.get(bucket.urn)
        status = known(found.props, "versioningConfiguration", "status") if found else None
        if found is None:
            yield bucket.urn, "no versioning resource"
        elif status not in (None, "Enabled"):
            yield bucket.urn, f"versioning {status}"


@stack_rule("s3-bucket-cross-region-replication", judges=t.BUCKETS, family="backup", control="S3.7",
            description="Checks whether buckets with replicated classifications replicate to another region, "
                        "and replica buckets (ReplicaOf tag) have a replication rule filling them (required where "
                        "the stack's config says so).",
            message="Add a BucketReplicationConfig to a versioned, encrypted bucket in the DR region",
            settings={"required": Setting(False, {"type": "boolean"}, "replication is required (production)"),
                      "classifications": Setting(["confidential"], {"type": "array", "items": {"type": "string"}},
                                                 "DataClassification values that must be replicated")})
def s3_replication(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    if not config["required"]:
        return
    replicated = referenced(resources, t.BUCKET_REPLICATION, "bucket")
    for bucket in of_type(resources, *t.BUCKETS):
        tags = known(bucket.props, "tags", default={}, unknown={})
        if tags.get("DataClassification") in config["classifications"] and "ReplicaOf" not in tags \
                and bucket.urn not in replicated:
            yield bucket.urn, "not replicated"
    # A DR stack owns the replication into its replica buckets (the source bucket is the primary's).
    filled = referenced(resources, t.BUCKET_REPLICATION, "rules")
    for bucket in of_type(resources, *t.BUCKETS):
        tags = known(bucket.props, "tags", default={}, unknown={})
        if "ReplicaOf" in tags and bucket.urn not in filled:
            yield bucket.urn, f"replica of {tags['ReplicaOf']} that no replication rule fills"


STATEFUL = {t.RDS_INSTANCE, t.REDIS_GROUP, *t.BUCKETS, t.KMS_KEY, *t.OPENSEARCH}


@stack_rule("stateful-resources-protected", judges=sorted(STATEFUL), family="backup",
            description="Checks whether databases, caches, buckets, keys and search domains carry Pulumi `protect`.",
            message="Set protectStatefulResources: true so a stray `pulumi destroy` or replacement stops",
            settings={"required": Setting(False, {"type": "boolean"}, "protection is required (production)"),
                      "allowReplace": Setting({}, {"type": "object", "additionalProperties":
                                                   {"type": "string", "minLength": 10}},
                                              "logical name -> why this change replaces or deletes it: the "
                                              "resource may be unprotected for it, and the preview's data guard "
                                              "lets it through")})
def stateful_protected(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    if not config["required"]:
        return
    acknowledged = config["allowReplace"]
    for resource in resources:
        if resource.resource_type in STATEFUL and not resource.opts.protect and resource.name not in acknowledged:
            yield resource.urn, "not protected"


POLICIES = [rds_backup_retention, rds_final_snapshot, rds_deletion_protection, elasticache_snapshots, s3_versioning,
            s3_replication, stateful_protected]
