"""Bootstrap: what must exist in an account before the platform's stacks can be deployed from GitHub.

Run once per account by an administrator (docs/runbooks.md). One account per environment is the
supported layout (`environments: [production]` in the production account, `[staging]` in the
staging one); a single account holding both works, with the residual risk the runbook states.

  state bucket        the stacks' S3 backend, encrypted with the state key (usable only through S3
                      for that bucket by the preview role)
  stack secrets keys  one per environment: the stacks' Pulumi secrets providers
  workload boundary   the permissions boundary every role the platform creates must carry
  preview             pull requests, behind a GitHub environment with required reviewers: reads
                      resource configuration, never data (objects, log events, parameter and
                      secret values, data keys)
  drift               the nightly drift check on the default branch: preview plus refresh
  deploy-<env>        one per environment: PowerUserAccess, IAM only on that environment's roles
                      and only with the boundary attached, nothing outside the platform regions
  image-push-<app>    one per application repository's main branch: push to its ECR repositories
Trust policies pin the repository and the branch or environment in the token's `sub` (no wildcards).
"""

import pulumi
import pulumi_aws as aws

# Shared building blocks of the repository's package (installed into .venv by requirements-dev.txt).
from components.iam import (
    BOUNDARY_POLICY_NAME,
    PLATFORM_ROLE_PATH,
    PRIVILEGED_MANAGED_POLICIES,
    Statement,
    environment_role_path,
    policy_document,
)
from components.images import guardduty_agent_repository
from components.storage import SecureBucket, SecureBucketArgs, access_log_bucket, expire_old_versions

cfg = pulumi.Config()
repository = cfg.require("githubRepository")
apps = cfg.require_object("applicationRepositories")
regions = cfg.require_object("deployRegions")
environments: list[str] = cfg.require_object("environments")
production_environment = cfg.require("productionEnvironment")
staging_environment = cfg.require("stagingEnvironment")
preview_environment = cfg.require("previewEnvironment")
default_branch = cfg.require("defaultBranch")
tags = {"Project": "elite-locadora", "Environment": "bootstrap", "ManagedBy": "Pulumi",
        "Owner": "platform-team", "CostCenter": "elite-locadora"}

account = aws.get_caller_identity().account_id
home = aws.get_region().region
GITHUB = "token.actions.githubusercontent.com"
ACCOUNT_ROOT = f"arn:aws:iam::{account}:root"
# Which GitHub environment deploys which stack. A job that names an environment gets the token
# `sub` repo:<repo>:environment:<name> (not its branch), so the trust pins the environment; the
# environment's deployment-branch rule pins the branch.
DEPLOY_SUBJECTS = {"staging": f"environment:{staging_environment}",
                   "production": f"environment:{production_environment}"}
# Services the platform hands its roles to (iam:PassRole is limited to these).
ROLE_CONSUMERS = ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com", "s3.amazonaws.com",
                  "vpc-flow-logs.amazonaws.com", "firehose.amazonaws.com", "logs.amazonaws.com",
                  "ecr.amazonaws.com"]
SERVICE_LINKED = ["opensearchservice.amazonaws.com", "ecs.amazonaws.com", "rds.amazonaws.com",
                  "elasticache.amazonaws.com", "elasticloadbalancing.amazonaws.com",
                  "ecs.application-autoscaling.amazonaws.com"]


def key(name: str, description: str, alias: str, provider: aws.Provider | None = None) -> aws.kms.Key:
    created = aws.kms.Key(name, description=description, enable_key_rotation=True, rotation_period_in_days=365,
                          deletion_window_in_days=30, policy=policy_document(Statement(
                              sid="AccountAdministersKeyThroughIam", actions=["kms:*"],
                              principals={"AWS": [ACCOUNT_ROOT]})),
                          tags={**tags, "Name": alias.removeprefix("alias/")},
                          opts=pulumi.ResourceOptions(protect=True, provider=provider))
    aws.kms.Alias(f"{name}-alias", name=alias, target_key_id=created.key_id,
                  opts=pulumi.ResourceOptions(provider=provider))
    return created


# --- state and secrets ------------------------------------------------------------------------

state_key = key("state-key", "Pulumi state bucket (S3 server-side encryption)", "alias/elite-locadora-pulumi-state")
# Who read or wrote which stack's state, kept a year (server access logs need an SSE-S3 bucket).
state_logs = access_log_bucket("state-access-logs", f"elite-locadora-pulumi-state-logs-{account}", account, 365,
                               tags, True, pulumi.ResourceOptions())
state = SecureBucket("state", SecureBucketArgs(
    bucket_name=f"elite-locadora-pulumi-state-{account}", tags=tags, kms_key_arn=state_key.arn,
    lifecycle_rules=[expire_old_versions(365)], access_log_bucket=state_logs.name, access_log_prefix="s3/state/",
    extra={"DataClassification": "confidential"}))
state_objects = state.arn.apply(lambda arn: f"{arn}/*")
# The state key decrypts only through S3, for the state bucket (S3 Bucket Keys: the context is the
# bucket's ARN). Stack secrets live under the secrets keys, one per environment.
state_key_via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{home}.amazonaws.com"},
                    "ArnEquals": {"kms:EncryptionContext:aws:s3:arn": state.arn}}
secrets_keys = {env: key(f"stack-secrets-{env}", f"Pulumi secrets provider of the {env} stacks",
                         f"alias/elite-locadora-pulumi-secrets-{env}") for env in environments}

# --- application backups in the backup region (the guide's ApplicationBackup) --------------------
# Config backup is this repository plus the replicated state; code backup is a git bundle the
# code-backup workflow uploads. Both land in the DR region, encrypted with a key there.
backup_region = cfg.require("backupRegion")
in_backup_region = pulumi.ResourceOptions(provider=aws.Provider("backup-region", region=backup_region))
backup_key = key("backup-key", "State replica and code bundles in the backup region", "alias/elite-locadora-backups",
                 in_backup_region.provider)
backup_logs = access_log_bucket("backup-access-logs", f"elite-locadora-backup-logs-{account}", account, 365, tags,
                                True, in_backup_region)
state_replica = SecureBucket("state-replica", SecureBucketArgs(
    bucket_name=f"elite-locadora-pulumi-state-replica-{account}", tags=tags, kms_key_arn=backup_key.arn,
    lifecycle_rules=[expire_old_versions(365)], access_log_bucket=backup_logs.name,
    access_log_prefix="s3/state-replica/", extra={"DataClassification": "confidential", "ReplicaOf": "state"}),
    opts=in_backup_region)
code_backups = SecureBucket("code-backups", SecureBucketArgs(
    bucket_name=f"elite-locadora-code-backups-{account}", tags=tags, kms_key_arn=backup_key.arn,
    lifecycle_rules=[expire_old_versions(90)], access_log_bucket=backup_logs.name,
    access_log_prefix="s3/code-backups/", extra={"DataClassification": "confidential"}), opts=in_backup_region)

oidc = aws.iam.OpenIdConnectProvider("github-oidc", url=f"https://{GITHUB}", client_id_lists=["sts.amazonaws.com"],
                                     tags={**tags, "Name": "github-actions"})

# --- the boundary every workload role carries ----------------------------------------------------


def arn(service: str, resource: str, region: str = "*") -> str:
    return f"arn:aws:{service}:{region}:{account}:{resource}"


boundary = aws.iam.Policy(
    "workload-boundary", name=BOUNDARY_POLICY_NAME, path=PLATFORM_ROLE_PATH,
    description="Most any Elite Locadora workload role may ever do; no IAM, no other accounts' data",
    policy=policy_document(
        Statement(sid="PlatformObjects", actions=[
            "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
            "s3:AbortMultipartUpload", "s3:GetReplicationConfiguration", "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:ReplicateObject", "s3:ReplicateDelete",
            "s3:ReplicateTags"], resources=["arn:aws:s3:::elite-locadora-*"]),
        Statement(sid="PlatformKeys", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                  resources=[arn("kms", "key/*")]),
        Statement(sid="PlatformParameters", actions=["ssm:GetParameters", "ssm:GetParameter"],
                  resources=[arn("ssm", "parameter/elite-locadora/*")]),
        Statement(sid="PlatformLogs", actions=[
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
            "logs:PutRetentionPolicy", "logs:GetLogEvents"], resources=[arn("logs", "log-group:*")]),
        Statement(sid="PlatformImages", actions=[
            "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                  resources=[arn("ecr", "repository/elite-locadora-*")]),
        # GuardDuty Runtime Monitoring's sidecar, which every task's execution role pulls.
        Statement(sid="GuardDutyAgentImages", actions=[
            "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                  resources=[r for r in map(guardduty_agent_repository, regions) if r]),
        # A DR stack's repository creation template: ECR creates the replicas under its role.
        Statement(sid="PlatformImageReplicas", actions=["ecr:CreateRepository", "ecr:ReplicateImage",
                                                        "ecr:TagResource"],
                  resources=[arn("ecr", "repository/elite-locadora-*")]),
        Statement(sid="PlatformKeyGrants", actions=["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
                  resources=[arn("kms", "key/*")]),
        Statement(sid="PlatformLogSearch", actions=[
            "es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpHead", "es:ESHttpDelete", "es:DescribeDomain",
            "es:DescribeDomains", "es:DescribeDomainConfig"], resources=[arn("es", "domain/elite-logs-*")]),
        Statement(sid="PlatformLogStream", actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                  resources=[arn("firehose", "deliverystream/elite-locadora-*")]),
        # AWS authorizes these only on "*" (Service Authorization Reference: no resource type).
        Statement(sid="UnscopedByAws", actions=[
            "ecr:GetAuthorizationToken", "logs:DescribeLogGroups", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces"]),
        # Firehose's delivery interfaces in the platform's VPCs.
        Statement(sid="PlatformNetworkInterfaces", actions=[
            "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            resources=[arn("ec2", "network-interface/*"), arn("ec2", "subnet/*"), arn("ec2", "security-group/*")]),
        Statement(sid="PlatformVpcAttributes", actions=["ec2:DescribeVpcAttribute"], resources=[arn("ec2", "vpc/*")]),
        Statement(sid="NeverIdentityOrAccount", effect="Deny", actions=["iam:*", "organizations:*", "account:*",
                                                                        "sts:AssumeRole"])),
    tags={**tags, "Name": BOUNDARY_POLICY_NAME})


def github_trust(subjects: list[str]) -> pulumi.Output[str]:
    """Trust GitHub's OIDC tokens for exactly these `sub` claims (no wildcards)."""
    return policy_document(Statement(
        actions=["sts:AssumeRoleWithWebIdentity"], resources=(), principals={"Federated": [oidc.arn]},
        conditions={"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": subjects}}))


def role(name: str, subjects: list[str], description: str, *statements: Statement,
         managed: tuple[str, ...] = ()) -> aws.iam.Role:
    created = aws.iam.Role(name, name=f"elite-locadora-{name}", assume_role_policy=github_trust(subjects),
                           description=description, max_session_duration=3600, tags={**tags, "Name": name})
    if statements:
        aws.iam.RolePolicy(f"{name}-policy", role=created.id, policy=policy_document(*statements))
    for index, policy_arn in enumerate(managed):
        aws.iam.RolePolicyAttachment(f"{name}-managed-{index}", role=created.name, policy_arn=policy_arn)
    return created


# --- reading: previews and the drift check ---------------------------------------------------------

read_state = [
    Statement(sid="ListState", actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[state.arn]),
    Statement(sid="ReadState", actions=["s3:GetObject"], resources=[state_objects]),
    Statement(sid="Locks", actions=["s3:PutObject", "s3:DeleteObject"],
              resources=[state.arn.apply(lambda a: f"{a}/.pulumi/locks/*")]),
    Statement(sid="StateKeyForStateOnly", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[state_key.arn],
              conditions=state_key_via_s3),
    # Pulumi decrypts stack config and state secrets to run the program at all; the job holding
    # this role runs only after a maintainer approves it (GitHub environment).
    Statement(sid="StackSecrets", actions=["kms:Decrypt"], resources=[k.arn for k in secrets_keys.values()]),
]
# Data no reading role may touch; the preview role also loses every KMS key but the state's and
# the stack secrets' (the drift role decrypts SecureStrings through SSM to refresh them).
no_data = [
    Statement(sid="NoObjectsButState", effect="Deny", actions=[
        "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent", "s3:GetObjectVersionTorrent",
        "s3:SelectObjectContent", "s3:RestoreObject"], resources=[state_objects], not_resources=True),
    Statement(sid="NoLogEvents", effect="Deny", actions=[
        "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:GetLogRecord",
        "logs:StartLiveTail", "logs:Unmask", "logs:GetLogObject"]),
    Statement(sid="NoSecretValues", effect="Deny", actions=[
        "secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"]),
    Statement(sid="NoOtherData", effect="Deny", actions=[
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "es:ESHttpGet",
        "es:ESHttpPost", "rds:DownloadDBLogFilePortion", "rds:DownloadCompleteDBLogFile", "kinesis:GetRecords",
        "sqs:ReceiveMessage", "athena:GetQueryResults", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
        "ssm:GetParameterHistory"]),
]
no_data_keys = Statement(
    sid="NoDataKeys", effect="Deny", actions=["kms:Decrypt", "kms:ReEncryptFrom", "kms:GenerateDataKey",
                                               "kms:GenerateDataKeyWithoutPlaintext"],
    resources=[state_key.arn, *[k.arn for k in secrets_keys.values()]], not_resources=True)
preview = role(
    "preview", [f"repo:{repository}:environment:{preview_environment}"],
    "Pull-request previews after a maintainer's approval: resource configuration, never data",
    *read_state, *no_data, no_data_keys,
    Statement(sid="NoParameterValues", effect="Deny", actions=[
        "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]),
    managed=("arn:aws:iam::aws:policy/ReadOnlyAccess",))
# `pulumi preview --refresh` reads every parameter's value back (SecureStrings decrypted through
# SSM); the drift check runs reviewed code from the default branch only.
drift = role(
    "drift", [f"repo:{repository}:ref:refs/heads/{default_branch}"],
    "Nightly drift check of the default branch: preview with refresh, no data reads",
    *read_state, *no_data,
    Statement(sid="RefreshSecureStrings", actions=["kms:Decrypt"], resources=[arn("kms", "key/*")],
              conditions={"StringLike": {"kms:ViaService": [f"ssm.{r}.amazonaws.com" for r in regions]}}),
    managed=("arn:aws:iam::aws:policy/ReadOnlyAccess",))

# --- deploying -------------------------------------------------------------------------------------


def deploy_statements(env: str) -> list[Statement]:
    roles = f"arn:aws:iam::{account}:role{environment_role_path(env)}*"
    with_boundary = {"StringEquals": {"iam:PermissionsBoundary": boundary.arn}}
    others = [e for e in environments if e != env]
    statements = [
        Statement(sid="ListState", actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[state.arn]),
        Statement(sid="WriteState", actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                  resources=[state_objects]),
        Statement(sid="StateKeyForStateOnly", actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[state_key.arn],
                  conditions=state_key_via_s3),
        Statement(sid="OwnStackSecrets", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                  resources=[secrets_keys[env].arn]),
        # Roles of this environment only, and only with the boundary attached: whatever the
        # program (or a pull request) puts in a role, the boundary caps it.
        Statement(sid="RolesWithTheBoundary", actions=[
            "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
            "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"], resources=[roles], conditions=with_boundary),
        Statement(sid="ManageOwnRoles", actions=[
            "iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:TagRole", "iam:UntagRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole", "iam:ListRoleTags"], resources=[roles]),
        # CloudWatch Logs takes its subscription role under its regional principal.
        Statement(sid="PassOwnRolesToPlatformServices", actions=["iam:PassRole"], resources=[roles],
                  conditions={"StringEquals": {"iam:PassedToService": [
                      *ROLE_CONSUMERS, *(f"logs.{r}.amazonaws.com" for r in regions)]}}),
        Statement(sid="ReadTheBoundary", actions=["iam:GetPolicy", "iam:GetPolicyVersion"], resources=[boundary.arn]),
        Statement(sid="ServiceLinkedRoles", actions=["iam:CreateServiceLinkedRole"],
                  resources=[f"arn:aws:iam::{account}:role/aws-service-role/*"],
                  conditions={"StringEquals": {"iam:AWSServiceName": SERVICE_LINKED}}),
        # Explicit denies: no path around the boundary, whatever else is allowed.
        Statement(sid="NoRoleChangeWithoutTheBoundary", effect="Deny", actions=[
            "iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
            "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"],
                  conditions={"StringNotEquals": {"iam:PermissionsBoundary": boundary.arn}}),
        Statement(sid="NeverRemoveTheBoundary", effect="Deny", actions=["iam:DeleteRolePermissionsBoundary"]),
        Statement(sid="NeverChangeTheBoundary", effect="Deny", actions=[
            "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
            "iam:TagPolicy", "iam:UntagPolicy"], resources=[boundary.arn]),
        Statement(sid="NoPrivilegedManagedPolicies", effect="Deny", actions=["iam:AttachRolePolicy"],
                  conditions={"ArnEquals": {"iam:PolicyARN": list(PRIVILEGED_MANAGED_POLICIES)}}),
        Statement(sid="StayInPlatformRegions", effect="Deny", actions=["*"],
                  conditions={"StringNotEquals": {"aws:RequestedRegion": regions}}),
    ]
    if others:
        # Both environments in one account: resources tagged with the other environment are off
        # limits wherever the service supports aws:ResourceTag / aws:RequestTag (runbook: residual risk).
        statements += [
            Statement(sid="NotOtherEnvironmentsResources", effect="Deny", actions=["*"],
                      conditions={"StringEquals": {"aws:ResourceTag/Environment": others}}),
            Statement(sid="NotTaggingForOtherEnvironments", effect="Deny", actions=["*"],
                      conditions={"StringEquals": {"aws:RequestTag/Environment": others}}),
        ]
    return statements


deploy = {
    env: role(f"deploy-{env}", [f"repo:{repository}:{DEPLOY_SUBJECTS[env]}"],
              f"Deploys the {env} stacks from the GitHub environment {DEPLOY_SUBJECTS[env].split(':', 1)[1]}",
              *deploy_statements(env), managed=("arn:aws:iam::aws:policy/PowerUserAccess",))
    for env in environments
}

image_push = {}
for app in apps:
    image = app.split("/")[-1]
    image_push[app] = role(
        f"image-push-{image}", [f"repo:{app}:ref:refs/heads/main"], f"{app} pushes its images to ECR",
        Statement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"]),
        Statement(sid="PushOwnImages", actions=[
            "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"],
                  resources=[f"arn:aws:ecr:{r}:{account}:repository/elite-locadora-*/{image}" for r in regions]),
        Statement(sid="EncryptImages", actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[arn("kms", "key/*")],
                  conditions={"StringEquals": {"kms:ViaService": [f"ecr.{r}.amazonaws.com" for r in regions]}}),
        Statement(sid="WatchRollout", actions=["ecs:DescribeServices"], resources=[
            f"arn:aws:ecs:{region}:{account}:service/elite-locadora-*/*" for region in regions]))

# The state replicates under S3's own role, capped by the workload boundary like every other
# service role (bootstrap creates both, so the boundary exists first).
replication_role = aws.iam.Role(
    "state-replication", name="elite-locadora-state-replication", path=f"{PLATFORM_ROLE_PATH}bootstrap/",
    permissions_boundary=boundary.arn, description="S3 replicates the Pulumi state to the backup region",
    assume_role_policy=policy_document(Statement(
        actions=["sts:AssumeRole"], resources=(), principals={"Service": ["s3.amazonaws.com"]},
        conditions={"StringEquals": {"aws:SourceAccount": account}})),
    max_session_duration=3600, tags={**tags, "Name": "state-replication"})
aws.iam.RolePolicy("state-replication-policy", role=replication_role.id, policy=policy_document(
    Statement(sid="ReadSource", actions=["s3:GetReplicationConfiguration", "s3:ListBucket"], resources=[state.arn]),
    Statement(sid="ReadSourceVersions", actions=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                                 "s3:GetObjectVersionTagging"], resources=[state_objects]),
    Statement(sid="WriteReplica", actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
              resources=[state_replica.arn.apply(lambda a: f"{a}/*")]),
    Statement(sid="DecryptSource", actions=["kms:Decrypt"], resources=[state_key.arn],
              conditions={"StringEquals": {"kms:ViaService": f"s3.{home}.amazonaws.com"}}),
    Statement(sid="EncryptReplica", actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[backup_key.arn],
              conditions={"StringEquals": {"kms:ViaService": f"s3.{backup_region}.amazonaws.com"}})))
aws.s3.BucketReplicationConfig(
    "state-replication-config", role=replication_role.arn, bucket=state.bucket.id,
    rules=[aws.s3.BucketReplicationConfigRuleArgs(
        id="state-to-backup-region", status="Enabled", priority=1,
        filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
        delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(status="Enabled"),
        source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
            sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                status="Enabled")),
        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
            bucket=state_replica.arn,
            encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                replica_kms_key_id=backup_key.arn)))],
    opts=pulumi.ResourceOptions(depends_on=[state.versioning, state_replica.versioning]))

# The code-backup workflow (default branch) may add bundles to its bucket and nothing else.
code_backup = role(
    "code-backup", [f"repo:{repository}:ref:refs/heads/{default_branch}"],
    "Uploads a git bundle of the repository to the backup bucket",
    Statement(sid="PutBundles", actions=["s3:PutObject"],
              resources=[code_backups.arn.apply(lambda a: f"{a}/bundles/*")]),
    Statement(sid="EncryptBundles", actions=["kms:GenerateDataKey"], resources=[backup_key.arn],
              conditions={"StringEquals": {"kms:ViaService": f"s3.{backup_region}.amazonaws.com"}}))

pulumi.export("accountId", account)
pulumi.export("stateReplicaBucket", state_replica.name)
pulumi.export("codeBackupBucket", code_backups.name)
pulumi.export("codeBackupRoleArn", code_backup.arn)
pulumi.export("stateBucket", state.name)
pulumi.export("backendUrl", pulumi.Output.concat("s3://", state.name))
pulumi.export("secretsProviders", {env: f"awskms://alias/elite-locadora-pulumi-secrets-{env}?region={home}"
                                   for env in environments})
pulumi.export("permissionsBoundaryPolicy", boundary.name)
pulumi.export("permissionsBoundaryArn", boundary.arn)
pulumi.export("previewRoleArn", preview.arn)
pulumi.export("driftRoleArn", drift.arn)
pulumi.export("deployRoleArns", {env: r.arn for env, r in deploy.items()})
pulumi.export("imagePushRoleArns", {app: r.arn for app, r in image_push.items()})
