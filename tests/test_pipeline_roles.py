"""The roles that deploy the platform (bootstrap/): no path from a deploy role to administrator, no
data and no secrets for a pull request, one account per environment — read from the trust and
permission documents the bootstrap program registers under the mock engine."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest
import yaml

from components.iam import BOUNDARY_POLICY_NAME, PRIVILEGED_MANAGED_POLICIES, environment_role_path
from preflight import cli
from preflight.engine.analyzer import POLICY_DIR, analyze, load_policy_config
from preflight.engine.runner import ProgramError, StackRun, run_stack

from .conftest import STACKS, environment_of, stack_run

ROOT = Path(__file__).resolve().parent.parent
# Actions that create a role, change what a role may do, or lift the cap on it.
ESCALATION = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary",
              "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
              "iam:CreatePolicy", "iam:CreateUser", "iam:PutUserPolicy", "iam:AttachUserPolicy")
# Managed policies the bootstrap may attach, and whether they grant any IAM write (both do not:
# ReadOnlyAccess reads; PowerUserAccess allows NotAction iam:* plus service-linked roles only).
SAFE_MANAGED = {"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/PowerUserAccess"}


@pytest.fixture(scope="module")
def bootstrap() -> StackRun:
    return run_stack("admin", project_dir=ROOT / "bootstrap")


def _statements(run: StackRun, role: str) -> list[dict]:
    policy = run.one("aws:iam/rolePolicy:RolePolicy", f"{role}-policy").inputs["policy"]
    return json.loads(policy)["Statement"]


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _grants(statement: dict, action: str) -> bool:
    return statement["Effect"] == "Allow" and any(
        fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in _as_list(statement["Action"]))


def _roles(run: StackRun) -> list[str]:
    return [r.name for r in run.of_type("aws:iam/role:Role")]


def test_boundary_policy_exists_under_the_platform_path(bootstrap: StackRun) -> None:
    boundary = bootstrap.one("aws:iam/policy:Policy", "workload-boundary")
    assert boundary.inputs["name"] == BOUNDARY_POLICY_NAME and boundary.inputs["path"] == "/elite-locadora/"
    statements = json.loads(boundary.inputs["policy"])["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert {"iam:*", "organizations:*", "sts:AssumeRole"} <= set(deny["Action"]) and deny["Resource"] == "*"
    for statement in statements:
        if statement["Effect"] == "Allow":
            assert not any(a.endswith(":*") or a == "*" for a in _as_list(statement["Action"])), statement


def test_no_bootstrap_role_can_change_a_role_without_the_boundary(bootstrap: StackRun) -> None:
    boundary_arn = bootstrap.one("aws:iam/policy:Policy", "workload-boundary").outputs["arn"]
    attached = {(a.name.rsplit("-managed-", 1)[0], a.inputs["policyArn"])
                for a in bootstrap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert {arn for _, arn in attached} <= SAFE_MANAGED, attached
    for role in _roles(bootstrap):
        statements = _statements(bootstrap, role)
        for action in ESCALATION:
            for statement in statements:
                if _grants(statement, action):
                    condition = statement.get("Condition", {}).get("StringEquals", {})
                    assert condition.get("iam:PermissionsBoundary") == boundary_arn, (role, action, statement)
        if any(_grants(s, "iam:CreateRole") for s in statements):
            by_sid = {s.get("Sid"): s for s in statements}
            guard = by_sid["NoRoleChangeWithoutTheBoundary"]
            assert guard["Effect"] == "Deny" and "Resource" in guard and guard["Resource"] == "*"
            assert guard["Condition"] == {"StringNotEquals": {"iam:PermissionsBoundary": boundary_arn}}
            assert by_sid["NeverRemoveTheBoundary"]["Action"] == "iam:DeleteRolePermissionsBoundary"
            privileged = by_sid["NoPrivilegedManagedPolicies"]
            assert privileged["Effect"] == "Deny"
            assert set(privileged["Condition"]["ArnEquals"]["iam:PolicyARN"]) == set(PRIVILEGED_MANAGED_POLICIES)
            assert boundary_arn in _as_list(by_sid["NeverChangeTheBoundary"]["Resource"])


@pytest.mark.parametrize("env", ["staging", "production"])
def test_a_deploy_role_manages_only_its_environments_roles(bootstrap: StackRun, env: str) -> None:
    by_sid = {s["Sid"]: s for s in _statements(bootstrap, f"deploy-{env}")}
    scope = f"arn:aws:iam::123456789012:role/elite-locadora/{env}/*"
    for sid in ("RolesWithTheBoundary", "ManageOwnRoles", "PassOwnRolesToPlatformServices"):
        assert by_sid[sid]["Resource"] == scope, (sid, by_sid[sid]["Resource"])
    assert "ecs-tasks.amazonaws.com" in by_sid["PassOwnRolesToPlatformServices"]["Condition"]["StringEquals"][
        "iam:PassedToService"]
    other = "production" if env == "staging" else "staging"
    assert by_sid["NotOtherEnvironmentsResources"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Environment": [other]}}


def test_one_environment_per_account_has_no_cross_environment_statements() -> None:
    run = run_stack("admin", project_dir=ROOT / "bootstrap", overrides={
        "elite-locadora-bootstrap:environments": ["production"]})
    assert [r for r in _roles(run) if r.startswith("deploy-")] == ["deploy-production"]
    assert "NotOtherEnvironmentsResources" not in {s["Sid"] for s in _statements(run, "deploy-production")}
    assert set(run.exports["secretsProviders"]) == {"production"}


def test_preview_role_reads_configuration_not_data(bootstrap: StackRun) -> None:
    by_sid = {s["Sid"]: s for s in _statements(bootstrap, "preview")}
    state = bootstrap.one("aws:s3/bucket:Bucket", "state").outputs["arn"]
    objects = by_sid["NoObjectsButState"]
    assert objects["Effect"] == "Deny" and objects["NotResource"] == f"{state}/*"
    assert {"s3:GetObject", "s3:GetObjectVersion", "s3:SelectObjectContent"} <= set(objects["Action"])
    for sid, actions in (("NoLogEvents", {"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery"}),
                         ("NoParameterValues", {"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"}),
                         ("NoSecretValues", {"secretsmanager:GetSecretValue"})):
        assert by_sid[sid]["Effect"] == "Deny" and by_sid[sid]["Resource"] == "*", sid
        assert actions <= set(_as_list(by_sid[sid]["Action"])), sid
    keys = {k.name: k.outputs["arn"] for k in bootstrap.of_type("aws:kms/key:Key")}
    data_keys = by_sid["NoDataKeys"]
    assert data_keys["Effect"] == "Deny" and "kms:Decrypt" in data_keys["Action"]
    # The state key and the stack-secrets keys only (not the backups key, nor any platform key).
    assert set(data_keys["NotResource"]) == {arn for name, arn in keys.items() if name != "backup-key"}
    state_key = by_sid["StateKeyForStateOnly"]
    assert state_key["Resource"] == keys["state-key"]
    assert state_key["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert state_key["Condition"]["ArnEquals"] == {"kms:EncryptionContext:aws:s3:arn": state}
    assert not any(s["Effect"] == "Allow" and "s3:PutObject" in _as_list(s["Action"])
                   and not str(s["Resource"]).endswith("/.pulumi/locks/*") for s in by_sid.values())


@pytest.mark.parametrize(("role", "subject"), [
    ("preview", "repo:elite-locadora/infrastructure:environment:preview"),
    ("drift", "repo:elite-locadora/infrastructure:ref:refs/heads/main"),
    ("deploy-staging", "repo:elite-locadora/infrastructure:environment:staging"),
    ("deploy-production", "repo:elite-locadora/infrastructure:environment:production"),
])
def test_role_trust_pins_the_gated_environment_or_branch(bootstrap: StackRun, role: str, subject: str) -> None:
    (statement,) = json.loads(bootstrap.one("aws:iam/role:Role", role).inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [subject]


def test_pull_request_aws_job_waits_for_a_maintainer() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    preview = workflow["jobs"]["preview"]
    assert preview["environment"] == "preview"
    assert "environment" not in workflow["jobs"]["checks"], "the offline preflight stays open to every PR"
    assert "id-token" not in workflow.get("permissions", {}) and "id-token" not in workflow["jobs"]["checks"].get(
        "permissions", {})
    drift = (ROOT / ".github" / "workflows" / "drift.yml").read_text()
    assert "vars.DRIFT_ROLE_ARN" in drift and "PREVIEW_ROLE_ARN" not in drift


def test_stack_secrets_keys_are_per_environment(bootstrap: StackRun) -> None:
    aliases = {a.inputs["name"] for a in bootstrap.of_type("aws:kms/alias:Alias")}
    assert aliases == {"alias/elite-locadora-pulumi-state", "alias/elite-locadora-pulumi-secrets-staging",
                       "alias/elite-locadora-pulumi-secrets-production", "alias/elite-locadora-backups"}
    by_sid = {s["Sid"]: s for s in _statements(bootstrap, "deploy-staging")}
    staging_key = bootstrap.one("aws:kms/key:Key", "stack-secrets-staging").outputs["arn"]
    assert by_sid["OwnStackSecrets"]["Resource"] == staging_key


def test_bootstrap_passes_the_pack_and_the_pack_sees_an_unexempted_role(bootstrap: StackRun) -> None:
    config = load_policy_config(POLICY_DIR / "config" / "admin.json")
    result = analyze(bootstrap.resources, stack="admin", project="elite-locadora-bootstrap", preview=False,
                     policy_config=config, config_source="admin.json")
    assert result.mandatory == [], [f"{v.policy}: {v.message}" for v in result.mandatory]
    config["iam-role-permissions-boundary"]["exemptions"].pop("elite-locadora-deploy-production")
    result = analyze(bootstrap.resources, stack="admin", project="elite-locadora-bootstrap", preview=False,
                     policy_config=config, config_source="test")
    assert {v.policy for v in result.mandatory} == {"iam-role-permissions-boundary"}
    assert all(v.urn.endswith("::deploy-production") for v in result.mandatory)


def test_bootstrap_previews_through_the_cli(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--project-dir", str(ROOT / "bootstrap"), "--stack", "admin"]) == cli.EXIT_OK
    assert "policies of elite-locadora" in capsys.readouterr().out


# --- the main program's roles ------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_workload_role_carries_the_boundary_under_its_environment_path(stack: str) -> None:
    run = stack_run(stack)
    roles = run.of_type("aws:iam/role:Role")
    assert len(roles) >= 6
    for role in roles:
        assert role.inputs["permissionsBoundary"] == (
            f"arn:aws:iam::123456789012:policy/elite-locadora/{BOUNDARY_POLICY_NAME}"), role.name
        # A DR stack's roles nest under its environment's path: that environment's deploy role manages them.
        path = environment_role_path(environment_of(stack), stack)
        assert path.startswith(f"/elite-locadora/{environment_of(stack)}/")
        assert role.inputs["path"] == path, role.name
        assert role.outputs["arn"].startswith(f"arn:aws:iam::123456789012:role{path}")


@pytest.mark.parametrize("stack", STACKS)
def test_every_workload_permission_fits_inside_the_boundary(stack: str, bootstrap: StackRun) -> None:
    # An action the boundary does not allow is silently denied at run time: the role would fail
    # (S3 replication, ECR's creation template) only when AWS first exercises it.
    boundary = json.loads(bootstrap.one("aws:iam/policy:Policy", "workload-boundary").inputs["policy"])["Statement"]
    run = stack_run(stack)
    for policy in run.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            for action in _as_list(statement["Action"]):
                assert any(_grants(b, action) for b in boundary), f"{policy.name}: {action} is outside the boundary"


def test_production_pack_requires_the_boundary() -> None:
    assert cli.main(["preview", "--stack", "production", "--set", "permissionsBoundaryPolicy="]) == cli.EXIT_VIOLATIONS
    assert cli.main(["preview", "--stack", "staging", "--set", "permissionsBoundaryPolicy="]) == cli.EXIT_OK


def test_a_stack_that_names_its_account_refuses_other_credentials() -> None:
    run = run_stack("staging", overrides={"accountId": "111122223333"})
    providers = [r for r in run.resources if r.type == "pulumi:providers:aws"]
    assert providers and all(json.loads(p.inputs["allowedAccountIds"]) == ["111122223333"]
                             if isinstance(p.inputs["allowedAccountIds"], str)
                             else p.inputs["allowedAccountIds"] == ["111122223333"] for p in providers)
    assert all(":111122223333:" in r.outputs["arn"] for r in run.of_type("aws:iam/role:Role"))
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={"accountId": "111122223333"}, caller_account="999988887777")
    assert "belongs in account 111122223333" in str(caught.value) and "refusing" in str(caught.value)


def test_an_unset_account_is_a_warning() -> None:
    assert any("accountId is not set" in w for w in stack_run("staging").warnings)


# --- application backups (the guide's ApplicationBackup) ----------------------------------------


def test_state_replicates_to_the_backup_region_under_a_key_there(bootstrap: StackRun) -> None:
    replica = bootstrap.one("aws:s3/bucket:Bucket", "state-replica")
    key = bootstrap.one("aws:kms/key:Key", "backup-key")
    assert replica.region == key.region == "us-west-2"
    (config,) = bootstrap.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    rule = config.inputs["rules"][0]
    assert rule["destination"]["bucket"] == replica.outputs["arn"]
    assert rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"] == key.outputs["arn"]
    assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
    role = bootstrap.one("aws:iam/role:Role", "state-replication").inputs
    assert role["permissionsBoundary"].endswith(f"/{BOUNDARY_POLICY_NAME}")
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_code_backup_role_may_only_add_bundles_to_its_bucket(bootstrap: StackRun) -> None:
    statements = _statements(bootstrap, "code-backup")
    bucket = bootstrap.one("aws:s3/bucket:Bucket", "code-backups")
    assert bucket.region == "us-west-2"
    allowed = {a for s in statements if s["Effect"] == "Allow" for a in _as_list(s["Action"])}
    assert allowed == {"s3:PutObject", "kms:GenerateDataKey"}
    put = next(s for s in statements if s["Sid"] == "PutBundles")
    assert put["Resource"] == f"{bucket.outputs['arn']}/bundles/*"
    (trust,) = json.loads(bootstrap.one("aws:iam/role:Role", "code-backup").inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:elite-locadora/infrastructure:ref:refs/heads/main"]


def test_code_backup_workflow_bundles_the_repository_with_oidc() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "code-backup.yml").read_text())
    steps = workflow["jobs"]["bundle"]["steps"]
    script = "\n".join(s.get("run", "") for s in steps)
    assert "git bundle create" in script and "git bundle verify" in script and "aws s3 cp" in script
    assert steps[0]["with"]["fetch-depth"] == 0 and "schedule" in workflow[True]
    assert any(s.get("with", {}).get("role-to-assume") == "${{ vars.CODE_BACKUP_ROLE_ARN }}" for s in steps)


def test_drift_role_reads_no_data_either(bootstrap: StackRun) -> None:
    by_sid = {s["Sid"]: s for s in _statements(bootstrap, "drift")}
    for sid in ("NoObjectsButState", "NoLogEvents", "NoSecretValues", "NoOtherData"):
        assert by_sid[sid]["Effect"] == "Deny", sid
    refresh = by_sid["RefreshSecureStrings"]
    assert refresh["Condition"]["StringLike"]["kms:ViaService"] == ["ssm.us-east-1.amazonaws.com",
                                                                    "ssm.us-west-2.amazonaws.com"]
