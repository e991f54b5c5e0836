"""SecureBucket: an S3 bucket with the controls every bucket of the platform carries.

Owner-enforced object ownership (no ACLs), all public access blocked, versioning, default
encryption (SSE-KMS with bucket keys, or SSE-S3 where AWS log delivery requires it), optional
lifecycle and access logging, and one bucket policy that always denies non-TLS requests.

The policy is one resource. Statements from tiers built later (CloudFront's OAC read grant needs
the distribution's ARN, and the distribution needs this bucket) are added with
`attach_policy(...)`, called once after those tiers exist; a bucket created with
`deferred_policy=False` gets its policy at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .iam import Statement, policy_document
from .tagging import named


@dataclass(frozen=True)
class SecureBucketArgs:
    bucket_name: pulumi.Input[str]
    tags: Mapping[str, str]
    kms_key_arn: pulumi.Input[str] | None = None  # None: SSE-S3, for log-delivery targets
    lifecycle_rules: Sequence[aws.s3.BucketLifecycleConfigurationRuleArgs] = ()
    access_log_bucket: pulumi.Input[str] | None = None
    access_log_prefix: str = ""
    policy_statements: Sequence[Statement] = ()
    deferred_policy: bool = False
    force_destroy: bool = False
    protect: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)
    # Write-once retention of every new object version (audit logs): S3 Object Lock can only be
    # switched on when the bucket is created, and COMPLIANCE mode cannot be lifted by anyone.
    object_lock_days: int | None = None
    object_lock_mode: str = "GOVERNANCE"


class SecureBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    regional_domain_name: pulumi.Output[str]
    versioning: aws.s3.BucketVersioning

    def __init__(self, name: str, args: SecureBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:data:SecureBucket", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, bucket=args.bucket_name, force_destroy=args.force_destroy,
                                    object_lock_enabled=True if args.object_lock_days else None,
                                    tags=named(args.tags, name, **args.extra),
                                    opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        self.name, self.arn = self.bucket.bucket, self.bucket.arn
        self.regional_domain_name = self.bucket.bucket_regional_domain_name
        aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=self.bucket.id,
                                       rule=aws.s3.BucketOwnershipControlsRuleArgs(
                                           object_ownership="BucketOwnerEnforced"),
                                       opts=self._child)
        self._public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=self.bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=self._child)
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=self._child)
        by_default = (
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn)
            if args.kms_key_arn is not None else
            aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"))
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=self.bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default,
                bucket_key_enabled=args.kms_key_arn is not None)],
            opts=self._child)
        if args.object_lock_days:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock", bucket=self.bucket.id, object_lock_enabled="Enabled",
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=args.object_lock_mode, days=args.object_lock_days)),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]))
        # Parts of an abandoned multipart upload are billed and invisible: every bucket drops them.
        rules = list(args.lifecycle_rules)
        if not any(rule.abort_incomplete_multipart_upload is not None for rule in rules):
            rules.append(abort_incomplete_uploads())
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=self.bucket.id, rules=rules,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]))
        if args.access_log_bucket is not None:
            aws.s3.BucketLogging(f"{name}-access-logging", bucket=self.bucket.id,
                                 target_bucket=args.access_log_bucket,
                                 target_prefix=args.access_log_prefix or f"s3/{name}/",
                                 opts=self._child)
        self._policy: aws.s3.BucketPolicy | None = None
        if not args.deferred_policy:
            self.attach_policy()
        self.register_outputs({"name": self.name, "arn": self.arn})

    @property
    def policy(self) -> aws.s3.BucketPolicy:
        """The bucket's policy resource, once attached (what a consumer that AWS checks against
        the policy at creation, like a CloudTrail trail, depends on)."""
        if self._policy is None:
            raise RuntimeError(f"{self._name}: the bucket policy is not attached yet")
        return self._policy

    def tls_only_statement(self) -> Statement:
        return Statement(
            sid="DenyInsecureTransport", effect="Deny", actions=["s3:*"],
            resources=[self.arn, self.arn.apply(lambda arn: f"{arn}/*")], principals={"*": ["*"]},
            conditions={"Bool": {"aws:SecureTransport": "false"}})

    def attach_policy(self, *extra: Statement) -> aws.s3.BucketPolicy:
        """Create the bucket's one policy: TLS-only, the construction-time grants, and `extra`."""
        if self._policy is not None:
            raise RuntimeError(f"{self._name}: the bucket policy was already attached")
        self._policy = aws.s3.BucketPolicy(
            f"{self._name}-policy", bucket=self.bucket.id,
            policy=policy_document(self.tls_only_statement(), *self._args.policy_statements, *extra),
            # A policy put before the public access block exists could be judged public.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._public_access_block]))
        return self._policy


ABORT_UPLOADS_AFTER_DAYS = 7


def _abort() -> aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs:
    return aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
        days_after_initiation=ABORT_UPLOADS_AFTER_DAYS)


def abort_incomplete_uploads() -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="abort-incomplete-uploads", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
        abort_incomplete_multipart_upload=_abort())


def expire_all(rule_id: str, days: int) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Expire every object (and old versions after 30 days) after `days`; drop abandoned uploads."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=rule_id, status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=30), abort_incomplete_multipart_upload=_abort())


def expire_old_versions(days: int = 90) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Keep current objects; drop noncurrent versions after `days` and abandoned uploads."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="expire-old-versions", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=days), abort_incomplete_multipart_upload=_abort())


def access_log_bucket(name: str, bucket_name: str, account_id: str, retention_days: int,
                      tags: Mapping[str, str], protect: bool, opts: pulumi.ResourceOptions,
                      deferred_policy: bool = False) -> SecureBucket:
    """A region's log-delivery bucket: SSE-S3 (S3 server access logs and ALB logs are delivered only
    to SSE-S3 buckets), logs expire, S3 log delivery for this account may write under s3/."""
    return SecureBucket(name, SecureBucketArgs(
        bucket_name=bucket_name, tags=tags, kms_key_arn=None,
        lifecycle_rules=[expire_all("expire-logs", retention_days)],
        policy_statements=[Statement(
            sid="S3ServerAccessLogDelivery", actions=["s3:PutObject"], resources=[f"arn:aws:s3:::{bucket_name}/s3/*"],
            principals={"Service": ["logging.s3.amazonaws.com"]},
            conditions={"StringEquals": {"aws:SourceAccount": account_id}})],
        deferred_policy=deferred_policy, protect=protect, extra={"DataClassification": "logs"}), opts=opts)
