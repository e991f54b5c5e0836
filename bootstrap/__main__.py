"""Bootstrap: what must exist before the platform's stacks can be deployed from GitHub.

State bucket (the stacks' S3 backend), the KMS key the stacks use as their secrets provider, the
GitHub OIDC identity provider, and roles whose trust policies pin the repository and the branch
or environment in the token's `sub` claim:
  preview     pull requests (read-only, plus the state lock files and secret decryption)
  deploy-*    one per stack: staging from the staging branch, production from the production
              environment (required reviewers)
  image-push  one per application repository's main branch: push to its ECR repositories
"""

import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# Shared building blocks live beside the main program (one SecureBucket, one policy builder).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.iam import Statement, policy_document
from components.storage import SecureBucket, SecureBucketArgs

cfg = pulumi.Config()
repository = cfg.require("githubRepository")
apps = cfg.require_object("applicationRepositories")
regions = cfg.require_object("deployRegions")
production_environment = cfg.require("productionEnvironment")
staging_branch = cfg.require("stagingBranch")
tags = {"Project": "elite-locadora", "Environment": "bootstrap", "ManagedBy": "Pulumi",
        "Owner": "platform-team", "CostCenter": "elite-locadora"}

identity = aws.get_caller_identity()
account = identity.account_id
GITHUB = "token.actions.githubusercontent.com"

state_key = aws.kms.Key("state-key", description="Pulumi state bucket and stack secrets provider",
                        enable_key_rotation=True, rotation_period_in_days=365, deletion_window_in_days=30,
                        policy=policy_document(Statement(sid="AccountAdministersKeyThroughIam", actions=["kms:*"],
                                                         principals={"AWS": [f"arn:aws:iam::{account}:root"]})),
                        tags={**tags, "Name": "elite-locadora-pulumi"}, opts=pulumi.ResourceOptions(protect=True))
secrets_alias = aws.kms.Alias("secrets-provider-alias", name="alias/elite-locadora-pulumi-secrets",
                              target_key_id=state_key.key_id)
state = SecureBucket("state", SecureBucketArgs(
    bucket_name=f"elite-locadora-pulumi-state-{account}", tags=tags, kms_key_arn=state_key.arn,
    extra={"DataClassification": "confidential"}))

oidc = aws.iam.OpenIdConnectProvider("github-oidc", url=f"https://{GITHUB}", client_id_lists=["sts.amazonaws.com"],
                                     tags={**tags, "Name": "github-actions"})


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
    for index, arn in enumerate(managed):
        aws.iam.RolePolicyAttachment(f"{name}-managed-{index}", role=created.name, policy_arn=arn)
    return created


state_objects = state.arn.apply(lambda arn: f"{arn}/*")
state_access = [
    Statement(sid="ListState", actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[state.arn]),
    Statement(sid="UseStateAndSecretsKey", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
              resources=[state_key.arn]),
]
preview = role(
    "preview", [f"repo:{repository}:pull_request"], "Pull-request previews: read the account, lock and read state",
    *state_access,
    Statement(sid="ReadState", actions=["s3:GetObject"], resources=[state_objects]),
    Statement(sid="PreviewLocks", actions=["s3:PutObject", "s3:DeleteObject"],
              resources=[state.arn.apply(lambda arn: f"{arn}/.pulumi/locks/*")]),
    managed=("arn:aws:iam::aws:policy/ReadOnlyAccess",))

# Deploy roles: PowerUserAccess (everything but IAM and Organizations), IAM only for this platform's
# roles, and nothing outside the platform's regions. The drift check uses the preview role.
deploy_statements = [
    *state_access,
    Statement(sid="WriteState", actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=[state_objects]),
    Statement(sid="PlatformRoles", actions=[
        "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
        "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy",
        "iam:ListRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole", "iam:PassRole"],
              resources=[f"arn:aws:iam::{account}:role/*"]),
    Statement(sid="ServiceLinkedRoles", actions=["iam:CreateServiceLinkedRole", "iam:GetRole"],
              resources=[f"arn:aws:iam::{account}:role/aws-service-role/*"]),
    Statement(sid="StayInPlatformRegions", effect="Deny", actions=["*"], resources=["*"],
              conditions={"StringNotEquals": {"aws:RequestedRegion": regions}}),
]
deploy = {
    "staging": role("deploy-staging", [f"repo:{repository}:ref:refs/heads/{staging_branch}"],
                    "Deploys the staging stack", *deploy_statements,
                    managed=("arn:aws:iam::aws:policy/PowerUserAccess",)),
    "production": role("deploy-production", [f"repo:{repository}:environment:{production_environment}"],
                       "Deploys the production stack (GitHub environment with required reviewers)",
                       *deploy_statements, managed=("arn:aws:iam::aws:policy/PowerUserAccess",)),
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
        Statement(sid="EncryptImages", actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=["*"],
                  conditions={"StringLike": {"kms:ViaService": [f"ecr.{r}.amazonaws.com" for r in regions]}}),
        Statement(sid="WatchRollout", actions=["ecs:DescribeServices"], resources=[
            f"arn:aws:ecs:{region}:{account}:service/elite-locadora-*/*" for region in regions]))

pulumi.export("stateBucket", state.name)
pulumi.export("backendUrl", pulumi.Output.concat("s3://", state.name))
pulumi.export("secretsProvider", secrets_alias.name.apply(lambda a: f"awskms://{a}?region=us-east-1"))
pulumi.export("previewRoleArn", preview.arn)
pulumi.export("deployRoleArns", {stack: r.arn for stack, r in deploy.items()})
pulumi.export("imagePushRoleArns", {app: r.arn for app, r in image_push.items()})
