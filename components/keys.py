"""Customer-managed KMS keys, one per purpose, created before the tiers that encrypt with them.

The same component builds the DR region's keys: pass the DR provider in `opts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .iam import Statement, policy_document
from .tagging import named

KEY_ADMIN_ACTIONS = ["kms:*"]
ENCRYPT_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                   "kms:Describe*"]


@dataclass(frozen=True)
class KeySpec:
    """A key's purpose, and the AWS services (besides IAM principals of the account) that use it.

    `logs` grants CloudWatch Logs of this region, scoped by encryption context to this
    account's log groups (what CloudWatch Logs requires for a KMS-encrypted log group).
    """

    purpose: str
    description: str
    service_principals: Sequence[str] = ()
    cloudwatch_logs: bool = False
    # CloudFront (OAC) decrypts SSE-KMS objects it serves. The key predates the distribution, so
    # the grant names the account's distributions; the bucket policy pins the one distribution.
    cloudfront_decrypt: bool = False
    # Macie's discovery jobs (the account baseline) read SSE-KMS objects as its service-linked role.
    macie_decrypt: bool = False


@dataclass(frozen=True)
class EncryptionKeysArgs:
    region: str
    specs: Sequence[KeySpec]
    tags: Mapping[str, str]
    deletion_window_days: int = 30
    protect: bool = True
    name_prefix: str = "elite-locadora"
    extra_statements: Mapping[str, Sequence[Statement]] = field(default_factory=dict)


class EncryptionKeys(pulumi.ComponentResource):
    """Customer-managed keys with yearly rotation; `arns[purpose]` and `keys[purpose]`."""

    arns: dict[str, pulumi.Output[str]]
    keys: dict[str, aws.kms.Key]

    def __init__(self, name: str, args: EncryptionKeysArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:security:EncryptionKeys", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, protect=args.protect)
        invoke = pulumi.InvokeOptions(parent=self)
        identity = aws.get_caller_identity(opts=invoke)
        partition = aws.get_partition(opts=invoke).partition
        account_root = f"arn:{partition}:iam::{identity.account_id}:root"
        self.keys, self.arns = {}, {}
        for spec in args.specs:
            statements = [Statement(sid="AccountAdministersKeyThroughIam", actions=KEY_ADMIN_ACTIONS,
                                    principals={"AWS": [account_root]})]
            if spec.service_principals:
                statements.append(Statement(
                    sid="ServicesUseKeyForThisAccount", actions=ENCRYPT_ACTIONS,
                    principals={"Service": list(spec.service_principals)},
                    conditions={"StringEquals": {"aws:SourceAccount": identity.account_id}}))
            if spec.cloudwatch_logs:
                statements.append(Statement(
                    sid="CloudWatchLogsUsesKeyForThisAccount", actions=ENCRYPT_ACTIONS,
                    principals={"Service": [f"logs.{args.region}.amazonaws.com"]},
                    conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                            f"arn:{partition}:logs:{args.region}:{identity.account_id}:*"}}))
            if spec.cloudfront_decrypt:
                statements.append(Statement(
                    sid="CloudFrontDecryptsForThisAccountsDistributions", actions=["kms:Decrypt"],
                    principals={"Service": ["cloudfront.amazonaws.com"]},
                    conditions={"StringLike": {"AWS:SourceArn":
                                               f"arn:{partition}:cloudfront::{identity.account_id}:distribution/*"}}))
            if spec.macie_decrypt:
                statements.append(Statement(
                    sid="MacieReadsObjectsThroughS3", actions=["kms:Decrypt"],
                    principals={"AWS": [f"arn:{partition}:iam::{identity.account_id}:role/aws-service-role/"
                                        "macie.amazonaws.com/AWSServiceRoleForAmazonMacie"]},
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}}))
            statements.extend(args.extra_statements.get(spec.purpose, ()))
            policy = policy_document(*statements)
            key = aws.kms.Key(
                f"{name}-{spec.purpose}",
                description=spec.description,
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=args.deletion_window_days,
                policy=policy,
                tags=named(args.tags, f"{args.name_prefix}-{spec.purpose}"),
                opts=child,
            )
            aws.kms.Alias(f"{name}-{spec.purpose}-alias",
                          name=f"alias/{args.name_prefix}/{spec.purpose}",
                          target_key_id=key.key_id,
                          opts=pulumi.ResourceOptions(parent=self))
            self.keys[spec.purpose] = key
            self.arns[spec.purpose] = key.arn
        self.register_outputs({f"{purpose}_key_arn": arn for purpose, arn in self.arns.items()})
