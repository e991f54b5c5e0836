"""The links that attach a DR stack to its primary.

A DR stack (config `standbyFor`) reads its primary through a StackReference (components/primary.py):
the exports `standby` (plain) and `standbySecrets` (secret) that a stack with `originFailover`
publishes. Dependencies flow one way, DR -> primary: the primary never reads the DR stack, so it deploys,
previews and fails on its own. That is why the links that must be attached to primary-region
resources (S3 replication on the primary's assets bucket, the registry's ECR replication rule)
belong to the DR stack, created through a provider in the primary's region: the resource they
replicate *to* exists only here, and deleting the DR stack removes them with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from .iam import RolePlacement, Statement, policy_document, service_trust, workload_role
from .images import IMAGE_LIFECYCLE
from .tagging import named

if TYPE_CHECKING:
    from .compute import ComputeHandle
    from .config import StackConfig
    from .data import DataHandle
    from .primary import PrimaryStack

# S3 Replication Time Control: 99.99 % of objects within 15 minutes, with metrics (the RPO of
# assets; README, "Disaster recovery").
S3_REPLICATION_MINUTES = 15


@dataclass(frozen=True)
class StandbyLinksArgs:
    name_prefix: str
    account_id: str
    config: StackConfig  # region, apiName
    primary: PrimaryStack
    data: DataHandle  # this stack's assets bucket: the replication destination
    key_arns: Mapping[str, pulumi.Input[str]]  # by purpose: storage (this region's, for replicas)
    compute: ComputeHandle  # this stack's ALB: the SECONDARY origin
    tags: Mapping[str, str]
    roles: RolePlacement


class StandbyLinks(pulumi.ComponentResource):
    """Assets and images flowing from the primary into this region, and the SECONDARY origin record."""

    def __init__(self, name: str, args: StandbyLinksArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:dr:StandbyLinks", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._at_primary = pulumi.ResourceOptions(parent=self, provider=args.primary.provider)
        self._assets_replication()
        self._image_replication()
        self._secondary_origin_record()
        self.register_outputs({})

    def _tags(self, name: str) -> dict[str, str]:
        return named(self._args.tags, name)

    def _assets_replication(self) -> None:
        args, primary = self._args, self._args.primary
        source_arn = primary.value("assetsBucketArn")
        role = workload_role(f"{self._name}-assets-replication-role", args.roles,
                             assume_role_policy=service_trust("s3.amazonaws.com", args.account_id),
                             description=f"S3 replication of {primary.name}'s assets bucket into {args.config.region}",
                             tags=self._tags(f"{args.name_prefix}-assets-replication"), opts=self._child)
        aws.iam.RolePolicy(f"{self._name}-assets-replication-policy", role=role.id, policy=policy_document(
            Statement(sid="ReadSourceConfiguration", actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                      resources=[source_arn]),
            Statement(sid="ReadSourceVersions", actions=[
                "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                      resources=[source_arn.apply(lambda a: f"{a}/*")]),
            Statement(sid="WriteReplicas", actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                      resources=[pulumi.Output.format("{0}/*", args.data.assets.arn)]),
            Statement(sid="DecryptSourceThroughS3", actions=["kms:Decrypt"],
                      resources=[primary.value("storageKeyArn")],
                      conditions={"StringEquals": {"kms:ViaService": f"s3.{primary.region}.amazonaws.com"}}),
            Statement(sid="EncryptReplicasThroughS3", actions=["kms:Encrypt", "kms:GenerateDataKey"],
                      resources=[args.key_arns["storage"]],
                      conditions={"StringEquals": {"kms:ViaService": f"s3.{args.config.region}.amazonaws.com"}})),
            opts=self._child)
        aws.s3.BucketReplicationConfig(
            f"{self._name}-assets-replication", role=role.arn, bucket=primary.value("assetsBucketName"),
            rules=[aws.s3.BucketReplicationConfigRuleArgs(
                id=f"assets-to-{args.config.region}", status="Enabled", priority=1,
                filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                    status="Enabled"),
                source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                    sse_kms_encrypted_objects=(
                        aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"))),
                destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                    bucket=args.data.assets.arn, storage_class="STANDARD",
                    encryption_configuration=(
                        aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=args.key_arns["storage"])),
                    replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                        status="Enabled", time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                            minutes=S3_REPLICATION_MINUTES)),
                    metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                        status="Enabled", event_threshold=(
                            aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=S3_REPLICATION_MINUTES)))))],
            opts=pulumi.ResourceOptions.merge(self._at_primary, pulumi.ResourceOptions(
                depends_on=[args.data.assets.versioning])))

    def _image_replication(self) -> None:
        """Images pushed to the primary's registry are copied here; the repositories that
        replication creates take this region's key and lifecycle from the creation template."""
        args, primary = self._args, self._args.primary
        prefix = primary.value("repositoryPrefix")
        role = workload_role(f"{self._name}-ecr-template-role", args.roles,
                             assume_role_policy=service_trust("ecr.amazonaws.com", args.account_id),
                             description="ECR creates replicated repositories with this region's key",
                             tags=self._tags(f"{args.name_prefix}-ecr-template"), opts=self._child)
        aws.iam.RolePolicy(f"{self._name}-ecr-template-policy", role=role.id, policy=policy_document(
            Statement(sid="CreateReplicatedRepositories", actions=[
                "ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
                      resources=[pulumi.Output.format("arn:aws:ecr:{0}:{1}:repository/{2}/*", args.config.region,
                                                      args.account_id, prefix)]),
            Statement(sid="EncryptWithThisRegionsKey", actions=[
                "kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], resources=[args.key_arns["storage"]])),
            opts=self._child)
        aws.ecr.RepositoryCreationTemplate(
            f"{self._name}-ecr-template", prefix=prefix, applied_fors=["REPLICATION"],
            description=f"Replicas of {primary.name}'s images: this region's key, immutable tags",
            image_tag_mutability="IMMUTABLE", custom_role_arn=role.arn, lifecycle_policy=IMAGE_LIFECYCLE,
            encryption_configurations=[aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(
                encryption_type="KMS", kms_key=args.key_arns["storage"])],
            resource_tags=dict(args.tags), opts=self._child)
        # One replication configuration per registry: the DR stack owns the primary region's.
        aws.ecr.ReplicationConfiguration(
            f"{self._name}-ecr-replication",
            replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                rules=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                    destinations=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                        region=args.config.region, registry_id=args.account_id)],
                    repository_filters=[aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                        filter=prefix.apply(lambda p: f"{p}/"), filter_type="PREFIX_MATCH")])]),
            opts=self._at_primary)

    def _secondary_origin_record(self) -> None:
        """Where CloudFront's API origin name points while the primary's health check fails."""
        args = self._args
        aws.route53.Record(
            f"{self._name}-{args.config.api_name}-secondary", zone_id=self._args.primary.value("zoneId"),
            name=args.config.api_name, type="A", set_identifier=f"secondary-{args.config.region}",
            failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type="SECONDARY")],
            aliases=[aws.route53.RecordAliasArgs(name=args.compute.alb_dns_name, zone_id=args.compute.alb_zone_id,
                                                 evaluate_target_health=True)],
            opts=self._child)
