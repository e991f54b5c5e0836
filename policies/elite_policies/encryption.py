"""Encryption at rest: databases, caches, buckets, topics, logs, search, streams, images, secrets, keys."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource, Severity

from . import _types as t
from ._framework import UNKNOWN, Setting, depends_on, get, known, of_type, resource_rule, stack_rule


@resource_rule("rds-storage-encrypted", family="encryption", types=[t.RDS_INSTANCE], control=("RDS.3", "RDS.4"),
               refs=("cis-aws-3.0:2.3.1",),
               severity=Severity.CRITICAL,
               description="Checks whether RDS instances (replicas included) encrypt storage with a "
                           "customer-managed key.",
               message="RDS instance must have storage encryption with a customer-managed key: set "
                       "storage_encrypted=True and kms_key_id")
def rds_storage_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "storageEncrypted") is not True:
        yield "storageEncrypted is not true"
    if not get(props, "kmsKeyId"):
        yield "no kmsKeyId (AWS-managed key)"


@resource_rule("rds-cross-region-replica-encrypted", family="encryption", types=[t.RDS_INSTANCE],
               description="Checks whether a cross-region read replica names a KMS key of its own region.",
               message="A cross-region RDS replica needs kms_key_id set to a key in the replica's region")
def rds_cross_region_replica_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    source = get(props, "replicateSourceDb", default="")
    if str(source).startswith("arn:") and not get(props, "kmsKeyId"):
        return "cross-region replica without kmsKeyId"
    return None


@resource_rule("rds-performance-insights-encrypted", family="encryption", types=[t.RDS_INSTANCE],
               description="Checks whether RDS Performance Insights data is encrypted with a customer-managed key.",
               message="Enable Performance Insights with performance_insights_kms_key_id set to a customer-managed key")
def rds_performance_insights_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "performanceInsightsEnabled") is not True:
        return "performanceInsightsEnabled is not true"
    if not get(props, "performanceInsightsKmsKeyId"):
        return "no performanceInsightsKmsKeyId"
    return None


@resource_rule("elasticache-at-rest-encrypted", family="encryption", types=[t.REDIS_GROUP], control="ElastiCache.4",
               description="Checks whether ElastiCache replication groups encrypt data at rest with a "
                           "customer-managed key.",
               message="ElastiCache replication group must set at_rest_encryption_enabled=True and kms_key_id")
def elasticache_at_rest(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "atRestEncryptionEnabled") not in (True, "true"):
        yield "atRestEncryptionEnabled is not true"
    if not get(props, "kmsKeyId"):
        yield "no kmsKeyId"


@resource_rule("elasticache-in-transit-encrypted", family="encryption", types=[t.REDIS_GROUP], control="ElastiCache.5",
               description="Checks whether ElastiCache replication groups require TLS in transit.",
               message="ElastiCache replication group must set transit_encryption_enabled=True and "
                       "transit_encryption_mode='required'")
def elasticache_in_transit(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "transitEncryptionEnabled") is not True:
        return "transitEncryptionEnabled is not true"
    if get(props, "transitEncryptionMode", default="required") != "required":
        return f"transitEncryptionMode is {get(props, 'transitEncryptionMode')}"
    return None


@resource_rule("elasticache-auth-enabled", family="encryption", types=[t.REDIS_GROUP], control="ElastiCache.6",
               description="Checks whether Redis clients must authenticate (AUTH token or RBAC user groups).",
               message="Set auth_token (from a generated secret) or user_group_ids on the replication group")
def elasticache_auth(props: Mapping[str, Any], config: Mapping[str, Any]):
    if not get(props, "authToken") and not get(props, "userGroupIds"):
        return "no authToken and no userGroupIds"
    return None


@stack_rule("s3-bucket-encrypted-with-kms", judges=t.BUCKETS,
            family="encryption", control="S3.17", severity=Severity.HIGH,
            description="Checks whether every S3 bucket has default encryption with SSE-KMS; SSE-S3 only for buckets "
                        "whose DataClassification tag is allowed (AWS log delivery accepts only SSE-S3).",
            message="Give the bucket a BucketServerSideEncryptionConfiguration with sse_algorithm 'aws:kms' and a "
                    "customer-managed key",
            settings={"sseS3Classifications": Setting(["logs"], {"type": "array", "items": {"type": "string"}},
                                                      "DataClassification tag values allowed to use SSE-S3")})
def s3_bucket_encrypted(resources: Sequence[PolicyResource], config: Mapping[str, Any]):
    configs = {b.urn: c for c in of_type(resources, *t.BUCKET_SSE) for b in depends_on(c, "bucket")}
    for bucket in of_type(resources, *t.BUCKETS):
        sse = configs.get(bucket.urn)
        if sse is None:
            yield bucket.urn, "no server-side encryption configuration for this bucket"
            continue
        algorithm = known(sse.props, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        classification = known(bucket.props, "tags", "DataClassification", unknown=UNKNOWN)
        if classification is UNKNOWN:
            continue
        if algorithm == "AES256" and classification not in config["sseS3Classifications"]:
            yield bucket.urn, f"SSE-S3 on a bucket classified {classification!r}"
        elif algorithm not in (None, "AES256", "aws:kms", "aws:kms:dsse"):
            yield bucket.urn, f"unknown algorithm {algorithm}"


@resource_rule("sns-topic-encrypted", family="encryption", types=[t.SNS_TOPIC], control="SNS.1",
               description="Checks whether SNS topics are encrypted with a KMS key.",
               message="Set kms_master_key_id on the SNS topic (a customer-managed key CloudWatch may use)")
def sns_topic_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "kmsMasterKeyId") else "no kmsMasterKeyId"


@resource_rule("cloudwatch-log-group-encrypted", family="encryption", types=[t.LOG_GROUP], severity=Severity.MEDIUM,
               description="Checks whether CloudWatch log groups are encrypted with a customer-managed key.",
               message="Set kms_key_id on the log group (the logs key, whose policy admits CloudWatch Logs)")
def log_group_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "kmsKeyId") else "no kmsKeyId"


@resource_rule("opensearch-encrypted-at-rest", family="encryption", types=t.OPENSEARCH,
               control=("OpenSearch.1", "ES.1"),
               description="Checks whether OpenSearch domains encrypt data at rest.",
               message="Set encrypt_at_rest.enabled=True (with kms_key_id) on the OpenSearch domain")
def opensearch_at_rest(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "encryptAtRest", "enabled") is True else "encryptAtRest.enabled is not true"


@resource_rule("opensearch-node-to-node-encryption", family="encryption", types=t.OPENSEARCH,
               control=("OpenSearch.3", "ES.3"),
               description="Checks whether OpenSearch domains encrypt traffic between nodes.",
               message="Set node_to_node_encryption.enabled=True on the OpenSearch domain")
def opensearch_node_to_node(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "nodeToNodeEncryption", "enabled") is True else "nodeToNodeEncryption is off"


@resource_rule("firehose-delivery-stream-encrypted", family="encryption", types=[t.FIREHOSE], control="DataFirehose.1",
               description="Checks whether Firehose delivery streams encrypt data at rest.",
               message="Set server_side_encryption.enabled=True (key_type CUSTOMER_MANAGED_CMK) on the stream")
def firehose_encrypted(props: Mapping[str, Any], config: Mapping[str, Any]):
    return None if get(props, "serverSideEncryption", "enabled") is True else "serverSideEncryption is off"


@resource_rule("ecr-repository-kms-encrypted", family="encryption", types=[t.ECR_REPOSITORY, t.ECR_TEMPLATE],
               severity=Severity.MEDIUM,
               description="Checks whether ECR repositories (and the templates replication creates them from) "
                           "encrypt images with KMS.",
               message="Set encryption_configurations=[{encryption_type: 'KMS', kms_key: <key arn>}] on the repository")
def ecr_kms(props: Mapping[str, Any], config: Mapping[str, Any]):
    kind = get(props, "encryptionConfigurations", 0, "encryptionType", default="AES256")
    return None if kind in ("KMS", "KMS_DSSE") else f"encryptionType is {kind}"


SECRET_LOOKING = re.compile(r"(secret|password|passwd|token|private[-_]?key|api[-_]?key|credential|"
                            r"database/url|stripe)", re.IGNORECASE)


@resource_rule("ssm-secret-parameter-secure-string", family="encryption", types=[t.SSM_PARAMETER],
               severity=Severity.CRITICAL,
               description="Checks whether SSM parameters whose names look secret are SecureStrings with a key.",
               message="A parameter holding a secret must be type='SecureString' with key_id set to the secrets key")
def ssm_secure_string(props: Mapping[str, Any], config: Mapping[str, Any]):
    name = str(get(props, "name", default=""))
    if not SECRET_LOOKING.search(name):
        return None
    if get(props, "type") != "SecureString":
        return f"{name} is {get(props, 'type')}"
    return None if get(props, "keyId") else f"{name} uses the AWS-managed key"


@resource_rule("kms-key-rotation-enabled", family="encryption", types=[t.KMS_KEY], control="KMS.4",
               description="Checks whether customer-managed symmetric KMS keys rotate automatically.",
               message="Set enable_key_rotation=True on the KMS key")
def kms_rotation(props: Mapping[str, Any], config: Mapping[str, Any]):
    if get(props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return None  # AWS rotates only symmetric keys
    return None if get(props, "enableKeyRotation") is True else "enableKeyRotation is not true"


POLICIES = [rds_storage_encrypted, rds_cross_region_replica_encrypted, rds_performance_insights_encrypted,
            elasticache_at_rest, elasticache_in_transit, elasticache_auth, s3_bucket_encrypted, sns_topic_encrypted,
            log_group_encrypted, opensearch_at_rest, opensearch_node_to_node, firehose_encrypted, ecr_kms,
            ssm_secure_string, kms_rotation]
