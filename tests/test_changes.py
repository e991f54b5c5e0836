"""preview --against: a stack against its own plan changes nothing; config changes show as the
updates and replacements the provider would make, with the input that forces each; a stack export
of the deployed state is compared the same way; stateful replacements and deletions stop the
preview unless acknowledged by name."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from preflight import cli
from preflight.plan.changes import SECRET_SIG, jsonable

from .conftest import stack_run

DB = "aws:rds/instance:Instance"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "production.json"
    assert cli.main(["preview", "--stack", "production", "--json", str(path)]) == cli.EXIT_OK
    return path


def _export(tmp_path: Path, edit=None, stack: str = "production") -> Path:
    """A `pulumi stack export` (version 3) of production as the program would have left it."""
    run = stack_run("production")
    resources = []
    for reg in run.resources:
        inputs = {k: jsonable(v) for k, v in reg.inputs.items()}
        for key in reg.secret_inputs:
            inputs[key] = {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAA"}
        resources.append({"urn": reg.urn.replace("urn:pulumi:production::", f"urn:pulumi:{stack}::"),
                          "type": reg.type, "custom": reg.custom, "inputs": inputs, "id": reg.id,
                          "outputs": {k: jsonable(v) for k, v in reg.outputs.items()},
                          "protect": reg.protect, "parent": reg.parent, "provider": reg.provider,
                          "dependencies": reg.dependencies, "propertyDependencies": reg.property_dependencies})
    doc = {"version": 3, "deployment": {"manifest": {}, "resources": resources}}
    if edit:
        edit(doc["deployment"]["resources"])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc))
    return path


def _run(tmp_path: Path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "plan.json"
    code = cli.main(["preview", "--stack", "production", "--mode", "update", "--json", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else {}


def _changes(doc: dict) -> dict[str, dict]:
    return {r["name"]: r for r in doc["resources"] if r.get("change") not in (None, "same")}


def test_against_its_own_plan_nothing_changes(plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "again.json"
    assert cli.main(["preview", "--stack", "production", "--against", str(plan), "--json", str(out)]) == 0
    assert "~ 0 to update, +-0 to replace, - 0 to delete" in capsys.readouterr().out
    assert all(r["change"] == "same" for r in json.loads(out.read_text())["resources"] if r["custom"])


def test_a_bigger_database_class_is_one_update_in_place(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "class.json"
    cli.main(["preview", "--stack", "production", "--against", str(plan), "--json", str(out),
              "--set", "dbInstanceClass=db.r6g.2xlarge"])
    changed = _changes(json.loads(out.read_text()))
    assert set(changed) == {"data-mysql"}
    assert changed["data-mysql"]["change"] == "update"
    assert [p["name"] for p in changed["data-mysql"]["properties"]] == ["instanceClass"]


def test_a_vpc_cidr_change_replaces_the_vpc_and_its_subnets(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "cidr.json"
    cli.main(["preview", "--stack", "production", "--against", str(plan), "--json", str(out),
              "--set", "vpcCidr=10.1.0.0/16"])
    changed = _changes(json.loads(out.read_text()))
    replaced = {n for n, r in changed.items() if r["change"] == "replace"}
    assert "network-vpc" in replaced and changed["network-vpc"]["replaceReasons"] == ["cidrBlock"]
    subnets = {r.name for r in stack_run("production").of_type("aws:ec2/subnet:Subnet")}
    assert subnets <= replaced


def test_a_database_under_another_key_is_replaced_and_stops_the_preview(tmp_path: Path) -> None:
    def other_key(resources: list[dict]) -> None:
        db = next(r for r in resources if r["type"] == DB and r["urn"].endswith("::data-mysql"))
        db["inputs"]["kmsKeyId"] = "arn:aws:kms:us-east-1:123456789012:key/another"
    export = _export(tmp_path, other_key)
    code, doc = _run(tmp_path, "--against", str(export))
    assert code == cli.EXIT_VIOLATIONS
    assert _changes(doc)["data-mysql"]["change"] == "replace"
    assert _changes(doc)["data-mysql"]["replaceReasons"] == ["kmsKeyId"]
    assert any("data-mysql" in f and "kmsKeyId" in f for f in doc["dataGuard"])
    code, doc = _run(tmp_path, "--against", str(export), "--allow-replace", "data-mysql")
    assert code == cli.EXIT_OK and doc["dataGuard"] == []


def test_a_database_under_another_identifier_is_renamed_in_place(tmp_path: Path) -> None:
    def renamed(resources: list[dict]) -> None:
        db = next(r for r in resources if r["type"] == DB and r["urn"].endswith("::data-mysql"))
        db["inputs"]["identifier"] = "elite-locadora-mysql"
    code, doc = _run(tmp_path, "--against", str(_export(tmp_path, renamed)))
    assert code == cli.EXIT_OK
    assert _changes(doc)["data-mysql"]["change"] == "update"
    assert any("endpoint and address change" in e for e in _changes(doc)["data-mysql"]["effects"])


def test_a_resource_the_program_no_longer_has_is_deleted_and_a_stateful_one_trips_the_guard(tmp_path: Path) -> None:
    def extra(resources: list[dict]) -> None:
        db = copy.deepcopy(next(r for r in resources if r["type"] == DB))
        db["urn"] = db["urn"].rsplit("::", 1)[0] + "::data-legacy"
        resources.append(db)
    code, doc = _run(tmp_path, "--against", str(_export(tmp_path, extra)))
    assert code == cli.EXIT_VIOLATIONS
    assert any(u.endswith("::data-legacy") for u in doc["deleted"])
    assert any("delete of data-legacy" in f for f in doc["dataGuard"])


def test_references_resolve_to_the_deployed_ids(tmp_path: Path) -> None:
    """Against an export, a resource's reference to another is the deployed one's id: a VPC with a
    real id leaves its subnets unchanged (not replaced for a vpcId that only differs offline)."""
    def real_ids(resources: list[dict]) -> None:
        vpc = next(r for r in resources if r["type"] == "aws:ec2/vpc:Vpc")
        vpc["id"] = vpc["outputs"]["id"] = "vpc-0realdeployed"
        for r in resources:
            if r["type"] == "aws:ec2/subnet:Subnet":
                r["inputs"]["vpcId"] = "vpc-0realdeployed"
    code, doc = _run(tmp_path, "--against", str(_export(tmp_path, real_ids)))
    changed = _changes(doc)
    assert code == cli.EXIT_OK
    assert not any(r["type"] == "aws:ec2/subnet:Subnet" for r in changed.values()), changed


def test_secrets_are_never_shown_and_do_not_count_as_changes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, doc = _run(tmp_path, "--against", str(_export(tmp_path)))
    assert code == cli.EXIT_OK and not _changes(doc)
    assert "ciphertext" not in capsys.readouterr().out


def test_against_a_git_ref_runs_that_commits_program_and_caches_it(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--against", "HEAD"]) == cli.EXIT_OK
    assert "+ 0 to create, ~ 0 to update, +-0 to replace, - 0 to delete" in capsys.readouterr().out
    from preflight.plan.changes import CACHE_DIR
    assert list(CACHE_DIR.glob("*-staging.json")), "the base plan is cached by commit and stack"


def test_a_ref_that_does_not_exist_is_refused(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "staging", "--against", "no-such-ref-anywhere"]) == cli.EXIT_FAILED
    assert "neither a file nor a git ref" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "fragment"), [
    ("not json", "not JSON"),
    ('{"hello": 1}', "neither a plan"),
    ('{"schemaVersion": 1, "stack": "production", "resources": []}', "schema 1 carries no inputs"),
    ('{"version": 2, "deployment": {"resources": []}}', "version 2; expected version 3"),
])
def test_bad_bases_are_refused_before_the_program_runs(tmp_path: Path, content: str, fragment: str,
                                                       capsys: pytest.CaptureFixture) -> None:
    base = tmp_path / "base.json"
    base.write_text(content)
    assert cli.main(["preview", "--stack", "production", "--against", str(base)]) == cli.EXIT_FAILED
    err = capsys.readouterr()
    assert fragment in err.err and "Previewing" not in err.out


def test_an_export_of_another_stack_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["preview", "--stack", "production", "--against",
                     str(_export(tmp_path, stack="staging"))]) == cli.EXIT_FAILED
    assert "an export of stack 'staging'" in capsys.readouterr().err


BEFORE = '''
import pulumi
import pulumi_aws as aws

class Tier(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("elite-locadora:test:Tier", name, None, opts)

tier = Tier("original")
aws.ssm.Parameter("top", type="String", value="kept")
aws.ssm.Parameter("trigger", type="String", value="v", description="one")
aws.ssm.Parameter("legacy", type="String", value="old", opts=pulumi.ResourceOptions(retain_on_delete=True))
aws.ssm.Parameter("dropped", type="String", value="old")
'''

AFTER = '''
import pulumi
import pulumi_aws as aws

class Tier(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("elite-locadora:test:Tier", name, None, opts)

tier = Tier("renamed", pulumi.ResourceOptions(aliases=[pulumi.Alias(name="original")]))
# Moved under the tier and renamed: the alias names where it was.
aws.ssm.Parameter("moved", type="String", value="kept",
                  opts=pulumi.ResourceOptions(parent=tier, aliases=[pulumi.Alias(name="top", parent=None)]))
aws.ssm.Parameter("trigger", type="String", value="v", description="two",
                  opts=pulumi.ResourceOptions(replace_on_changes=["description"]))
'''


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A two-phase program of this project's name: the second renames and moves resources behind
    aliases, replaces on a replaceOnChanges input, and drops a retained and an unretained parameter."""
    project = tmp_path / "toy"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: elite-locadora\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    (project / "policy.json").write_text("{}")
    (project / "__main__.py").write_text(BEFORE)
    base = project / "before.json"
    cli.main(["preview", "--project-dir", str(project), "--stack", "dev", "--policy-config",
              str(project / "policy.json"), "--json", str(base)])
    (project / "__main__.py").write_text(AFTER)
    return project


def _toy(project: Path, *extra: str) -> tuple[int, dict]:
    out = project / "after.json"
    code = cli.main(["preview", "--project-dir", str(project), "--stack", "dev", "--policy-config",
                     str(project / "policy.json"), "--against", str(project / "before.json"), "--json", str(out),
                     *extra])
    return code, json.loads(out.read_text())


def test_an_aliased_rename_is_the_same_resource_and_a_dropped_one_a_delete(toy: Path,
                                                                           capsys: pytest.CaptureFixture) -> None:
    _, doc = _toy(toy)
    by_name = {r["name"]: r for r in doc["resources"] if r["custom"]}
    assert by_name["moved"]["change"] == "update"  # renamed: the same parameter, nothing but its URN moves
    assert by_name["moved"]["previousUrn"].endswith("::aws:ssm/parameter:Parameter::top")
    assert by_name["moved"]["properties"] == []
    assert by_name["trigger"]["change"] == "replace" and by_name["trigger"]["replaceReasons"] == ["description"]
    assert {u.split("::")[-1] for u in doc["deleted"]} == {"legacy", "dropped"}
    out = capsys.readouterr().out
    assert "renamed from top by an alias" in out


def test_the_guard_spares_retained_and_acknowledged_data_and_names_stale_acknowledgements(
        toy: Path, capsys: pytest.CaptureFixture) -> None:
    _, doc = _toy(toy)
    guarded = " ".join(doc["dataGuard"])
    # The parameter replaced by replaceOnChanges and the unretained deletion stop the preview; the
    # retained one is left in the account and only noted; the rename is no deletion at all.
    assert "replace of trigger" in guarded and "delete of dropped" in guarded
    assert "legacy" not in guarded and "top" not in guarded
    assert "retainOnDelete" in capsys.readouterr().out
    (toy / "policy.json").write_text(json.dumps({"stateful-resources-protected": {"allowReplace": {
        "trigger": "the value is now rotated by replacement", "dropped": "superseded by moved",
        "gone-long-ago": "stale entry from an older change"}}}))
    _, doc = _toy(toy)
    assert doc["dataGuard"] == []
    out = capsys.readouterr().out
    assert "acknowledged: superseded by moved" in out
    assert "acknowledgement for gone-long-ago matches no stateful replacement" in " ".join(out.split())


def test_urns_are_the_engines(toy: Path) -> None:
    """Top-level resources carry no root-stack type, children their parent's whole type chain: a
    `pulumi stack export` of a real deployment lines up by URN."""
    doc = json.loads((toy / "before.json").read_text())
    urns = {r["name"]: r["urn"] for r in doc["resources"]}
    assert urns["top"] == "urn:pulumi:dev::elite-locadora::aws:ssm/parameter:Parameter::top"
    assert urns["original"] == "urn:pulumi:dev::elite-locadora::elite-locadora:test:Tier::original"
    moved = next(r for r in _toy(toy)[1]["resources"] if r["name"] == "moved")
    assert moved["urn"] == "urn:pulumi:dev::elite-locadora::elite-locadora:test:Tier$aws:ssm/parameter:Parameter::moved"


def test_a_plan_with_the_sdk_mocks_urns_lines_up_with_the_engines(plan: Path, tmp_path: Path) -> None:
    """Plans written before the runner formed URNs as the engine does (root-stack prefix, only the
    parent's own type) are read by their parent chains, so a base branch of that age still diffs."""
    from preflight.plan.changes import load_base

    doc = json.loads(plan.read_text())

    def mock_style(urn: str) -> str:
        head, qualified, name = urn.split("::")[:2], urn.split("::")[2], urn.split("::")[3]
        parts = qualified.split("$")
        old = f"pulumi:pulumi:Stack${parts[0]}" if len(parts) == 1 else f"{parts[-2]}${parts[-1]}"
        return "::".join([*head, old, name])

    renamed = {r["urn"]: mock_style(r["urn"]) for r in doc["resources"] if r["type"] != "pulumi:pulumi:Stack"}
    for r in doc["resources"]:
        r["urn"] = renamed.get(r["urn"], r["urn"])
        r["parent"] = renamed.get(r["parent"], r["parent"])
    assert any(old != new for new, old in renamed.items())
    old_plan = tmp_path / "old.json"
    old_plan.write_text(json.dumps(doc))
    assert set(load_base(old_plan, "production", "elite-locadora")) == set(load_base(plan, "production",
                                                                                       "elite-locadora"))
