"""Delivery: bootstrap roles pinned to repository and branch/environment, workflows that lint and
always pass the policy pack, and docs that name only files and commands that exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from preflight.cli import build_parser
from preflight.engine.runner import StackRun, run_stack

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def bootstrap() -> StackRun:
    return run_stack("admin", project_dir=ROOT / "bootstrap")


def _trust(run: StackRun, role: str) -> dict:
    return json.loads(run.one("aws:iam/role:Role", role).inputs["assumeRolePolicy"])["Statement"]


@pytest.mark.parametrize(("role", "subject"), [
    ("preview", "repo:elite-locadora/infrastructure:environment:preview"),
    ("deploy-staging", "repo:elite-locadora/infrastructure:environment:staging"),
    ("deploy-production", "repo:elite-locadora/infrastructure:environment:production"),
    ("image-push-backend", "repo:elite-locadora/backend:ref:refs/heads/main"),
])
def test_roles_trust_exactly_one_repository_and_ref(bootstrap: StackRun, role: str, subject: str) -> None:
    oidc = bootstrap.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    (statement,) = _trust(bootstrap, role)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
    condition = statement["Condition"]
    assert "StringLike" not in condition, "no wildcard matching on the token"
    assert condition["StringEquals"]["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["StringEquals"]["token.actions.githubusercontent.com:sub"] == [subject]
    assert "*" not in subject


def test_state_bucket_and_secrets_key(bootstrap: StackRun) -> None:
    key = bootstrap.one("aws:kms/key:Key", "state-key")
    assert key.inputs["enableKeyRotation"] is True and key.protect
    sse = bootstrap.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        "state-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key.outputs["arn"]
    versioning = bootstrap.one("aws:s3/bucketVersioning:BucketVersioning", "state-versioning").inputs
    assert versioning["versioningConfiguration"]["status"] == "Enabled"
    block = bootstrap.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state-public-access-block").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                          "restrictPublicBuckets"))
    policy = json.loads(bootstrap.one("aws:s3/bucketPolicy:BucketPolicy", "state-policy").inputs["policy"])
    logging = bootstrap.one("aws:s3/bucketLogging:BucketLogging", "state-access-logging").inputs
    assert logging["targetBucket"] == "elite-locadora-pulumi-state-logs-123456789012"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert bootstrap.exports["secretsProviders"] == {
        env: f"awskms://alias/elite-locadora-pulumi-secrets-{env}?region=us-east-1"
        for env in ("staging", "production")}
    assert bootstrap.exports["backendUrl"].startswith("s3://elite-locadora-pulumi-state-")


def test_deploy_roles_are_scoped(bootstrap: StackRun) -> None:
    statements = {s["Sid"]: s for s in json.loads(
        bootstrap.one("aws:iam/rolePolicy:RolePolicy", "deploy-production-policy").inputs["policy"])["Statement"]}
    assert statements["StayInPlatformRegions"]["Effect"] == "Deny"
    assert statements["StayInPlatformRegions"]["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == [
        "us-east-1", "us-west-2"]
    assert statements["RolesWithTheBoundary"]["Resource"] == (
        "arn:aws:iam::123456789012:role/elite-locadora/production/*")
    attached = {a.inputs["policyArn"] for a in bootstrap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert "arn:aws:iam::aws:policy/AdministratorAccess" not in attached


def test_image_push_roles_reach_only_their_repositories(bootstrap: StackRun) -> None:
    policy = json.loads(bootstrap.one("aws:iam/rolePolicy:RolePolicy", "image-push-frontend-policy").inputs["policy"])
    push = next(s for s in policy["Statement"] if s["Sid"] == "PushOwnImages")
    assert all(r.endswith("/frontend") for r in push["Resource"])


def test_main_stacks_export_what_pipelines_need() -> None:
    from .conftest import stack_run

    exports = stack_run("production").exports
    assert set(exports["repositoryUrls"]) == {"frontend", "backend"}
    assert exports["clusterName"] == "elite-locadora-production"
    assert set(exports["serviceNames"]) == {"frontend", "backend", "worker"}


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_passes_actionlint(path: Path) -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    result = subprocess.run([str(actionlint), "-no-color", str(path)], capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.nope }}\n")
    actionlint = Path(sys.executable).parent / "actionlint"
    assert subprocess.run([str(actionlint), "-no-color", str(bad)], capture_output=True).returncode == 1  # noqa: S603


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_every_pulumi_preview_or_up_runs_the_policy_pack(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    for step in _steps(workflow):
        run = step.get("run", "").replace("\\\n", " ")
        for command in re.findall(r"pulumi (?:preview|up)\b[^\n]*(?:\\\n[^\n]*)*", run):
            assert "--policy-pack policies" in command and "--policy-pack-config" in command, f"{path.name}: {command}"
        if str(step.get("uses", "")).startswith("pulumi/actions") and step.get("with", {}).get("command") in (
                "preview", "up", "update"):
            assert step["with"].get("policyPacks") == "policies" and step["with"].get("policyPackConfigs"), path.name


def test_workflows_use_oidc_not_static_keys() -> None:
    for path in WORKFLOWS:
        text = path.read_text()
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, path.name
        for step in _steps(yaml.safe_load(text)):
            if str(step.get("uses", "")).startswith("aws-actions/configure-aws-credentials"):
                assert "role-to-assume" in step["with"], path.name


def test_production_deploys_wait_for_the_environment_and_run_one_at_a_time() -> None:
    deploy = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    job = deploy["jobs"]["deploy"]
    assert "production" in job["environment"] and job["concurrency"]["cancel-in-progress"] is False
    standby = deploy["jobs"]["deploy-standby"]
    assert standby["needs"] == "deploy" and standby["environment"] == "production"
    assert standby["env"]["STACK"] == "production-dr" and standby["concurrency"]["cancel-in-progress"] is False
    drift = (ROOT / ".github" / "workflows" / "drift.yml").read_text()
    assert "--expect-no-changes" in drift and "schedule" in yaml.safe_load(drift)[True]


# Files a runbook tells the reader to create; they do not exist yet, by design.
CREATED_BY_RUNBOOKS: set[str] = set()
FILE_NAME = re.compile(r"^[\w.-]+\.(py|ya?ml|json|md|toml|txt|mjs)$")
TOP_LEVEL = {p.name for p in ROOT.iterdir()} - {".git", ".venv"}


def _names_a_missing_path(token: str, doc_dir: Path) -> bool:
    if token in CREATED_BY_RUNBOOKS:
        return False
    if "/" in token:
        if token.split("/")[0] not in TOP_LEVEL:
            return False  # an SSM path, a CIDR, a key layout: not a file of this repository
        return not ((ROOT / token).exists() or (doc_dir / token).exists())
    if FILE_NAME.match(token):
        return not any(".venv" not in p.parts for p in ROOT.glob(f"**/{token}"))
    return False


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


@pytest.mark.parametrize("doc", ["README.md", "docs/runbooks.md", "policies/README.md"])
def test_docs_name_only_files_that_exist(doc: str) -> None:
    missing = []
    for token in _backticked((ROOT / doc).read_text()):
        token = token.strip()
        if "<" in token or "://" in token or token.startswith(("/", "arn:", "$")) or " " in token:
            continue
        if _names_a_missing_path(token, (ROOT / doc).parent):
            missing.append(token)
    assert missing == [], f"{doc} names paths that do not exist: {missing}"


@pytest.mark.parametrize("doc", ["README.md", "docs/runbooks.md"])
def test_docs_name_only_commands_that_exist(doc: str) -> None:
    text = (ROOT / doc).read_text()
    targets = set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), re.M))
    # `make X` as a command: at the start of a line (code blocks) or of a code span.
    for target in re.findall(r"(?:^|`)\s*make ([\w-]+)", text, re.M):
        assert target in targets, f"{doc}: make {target}"
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    for sub in re.findall(r"python -m preflight (\w[\w-]*)", text):
        assert sub in subcommands, f"{doc}: python -m preflight {sub}"
    for module in re.findall(r"python -m (preflight(?:\.\w+)+)", text):
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
