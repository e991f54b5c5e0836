"""Adopting the guide's Terraform deployment (preflight adopt): the fixture is a real state, every
stateful resource maps with the import id `pulumi import` needs, the import file recreates the
program's URNs, and the first `up` after it is planned with a way out of every stateful replacement."""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import json
import re
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.engine.runner import run_stack
from preflight.plan import adopt, changes
from preflight.plan.terraform import StateError, load_state, pulumi_shape, resource_classes, tf_schemas

FIXTURE = Path(__file__).parent / "fixtures" / "terraform" / "production.tfstate"
# The way-out config the plan names for the database and the bucket.
KEEP = {"adoptedAssetsBucket": "elite-locadora-assets", "dbEngineVersion": "8.0",
        "adoptedDatabase": {"identifier": "elite-locadora-production", "username": "admin",
                            "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/7f3c2a1e-5b4d-4c3a-9e8f-0a1b2c3d4e5f"}}


@functools.cache
def instances() -> tuple:
    return tuple(load_state(FIXTURE))


@functools.cache
def adopted(stack: str = "production", keep: bool = False):
    overrides = copy.deepcopy(KEEP) if keep else None
    answers = adopt.lookups(instances())
    run = run_stack(stack, overrides=overrides, lookups=answers)
    mapping = adopt.map_state(run, instances(), "us-east-1" if stack == "production" else "us-west-2",
                              adopt.region_owners(stack))
    result = adopt.plan_adoption(mapping, run, lambda prior: run_stack(stack, preview=True, overrides=overrides,
                                                                       prior=prior, lookups=answers), {})
    return run, mapping, result


def matched(address: str):
    return next(m for m in adopted()[1].matches if m.instance.address == address)


# --- the fixture ---------------------------------------------------------------------------------


def test_fixture_is_a_state_of_the_provider_schema():
    doc = json.loads(FIXTURE.read_text())
    assert doc["version"] == 4
    schemas = tf_schemas()
    for resource in doc["resources"]:
        if resource["mode"] != "managed":
            continue
        schema = schemas[resource["type"]]
        names = set(schema["attributes"]) | set(schema.get("blocks", {}))
        for instance in resource["instances"]:
            assert instance["schema_version"] == schema["version"], resource["type"]
            # Terraform writes every attribute of the schema, set or not (timeouts aside).
            assert set(instance["attributes"]) - {"timeouts"} == names, resource["type"]


def test_fixture_covers_the_guide():
    types = {i.type for i in instances()}
    assert {"aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_route_table_association", "aws_db_instance",
            "aws_db_parameter_group", "aws_elasticache_replication_group", "aws_s3_bucket", "aws_s3_bucket_policy",
            "aws_s3_bucket_versioning", "aws_cloudfront_distribution", "aws_cloudfront_origin_access_identity",
            "aws_wafv2_web_acl", "aws_acm_certificate", "aws_route53_record", "aws_ecs_cluster", "aws_ecs_service",
            "aws_ecs_task_definition", "aws_lb", "aws_ecr_repository", "aws_ssm_parameter",
            "aws_cloudwatch_metric_alarm"} <= types
    addresses = {i.address for i in instances()}
    assert "module.vpc.aws_subnet.private[2]" in addresses  # module path and count index
    assert 'aws_route53_record.cert_validation["elitelocadora.com"]' in addresses  # for_each key
    usw2 = next(i for i in instances() if i.address == "aws_db_instance.replica_usw2")
    assert usw2.provider_alias == "us_west_2"


# --- mapping and import ids ----------------------------------------------------------------------


@pytest.mark.parametrize(("address", "name", "import_id"), [
    # Terraform's id is the db-… resource id; Pulumi imports by identifier.
    ("aws_db_instance.database", "data-mysql", "elite-locadora-production"),
    ("aws_db_instance.replica_use1", "data-replica-use1", "elite-locadora-production-replica-1"),
    ("aws_elasticache_replication_group.redis", "data-redis", "elite-locadora-redis"),
    ("aws_s3_bucket.assets", "assets", "elite-locadora-assets"),
    ("aws_ssm_parameter.database_url", "data-database-url", "/elite-locadora/production/database/url"),
    ("aws_ssm_parameter.jwt_secret", "data-app-jwt-secret", "/elite-locadora/production/app/jwt-secret"),
    ("aws_ssm_parameter.stripe_secret_key", "data-payments-stripe-secret",
     "/elite-locadora/production/payments/stripe-secret"),
    ("aws_ecr_repository.frontend", "compute-frontend-repo", "elite-locadora-frontend"),
    ("aws_ecr_repository.backend", "compute-backend-repo", "elite-locadora-backend"),
    ("aws_wafv2_web_acl.main", "edge-waf", "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d/elite-locadora-waf/CLOUDFRONT"),
    ("aws_ecs_service.backend", "compute-backend-service", "elite-locadora-production/elite-locadora-backend"),
    ("aws_ecs_cluster.elite_locadora", "compute-cluster", "elite-locadora-production"),
    ("aws_ecs_task_definition.frontend", "compute-frontend-task",
     "arn:aws:ecs:us-east-1:123456789012:task-definition/elite-locadora-frontend:42"),
    ("module.vpc.aws_route.public_internet_gateway[0]", "network-public-default", "rtb-0b1c2d3e4f5a60001_0.0.0.0/0"),
    ("module.vpc.aws_route_table_association.private[1]", "network-private-b-rta",
     "subnet-0pri1a1b2c3d4e5f6/rtb-0b1c2d3e4f5a60002"),
    ("module.vpc.aws_subnet.private[0]", "network-private-a", "subnet-0pri0a1b2c3d4e5f6"),
    ("module.vpc.aws_eip.nat[0]", "network-nat-eip-a", "eipalloc-0a1b2c3d4e5f60718"),
    ("aws_route53_record.www", "edge-www.elitelocadora.com-a", "Z0829174ELITELOCAD0RA_www.elitelocadora.com_A"),
    ("aws_iam_role_policy_attachment.rds_monitoring", "data-rds-monitoring-policy",
     "elite-locadora-rds-monitoring/arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"),
    ("aws_lb_listener_rule.api", "compute-backend-rule-1", None),
])
def test_resources_map_with_the_import_id_pulumi_needs(address, name, import_id):
    m = matched(address)
    assert m.registration.name == name
    expected = import_id or m.instance.attributes["arn"]
    assert adopt.import_id(m.registration.type, m.instance) == expected


def test_every_stateful_resource_of_the_state_is_mapped():
    stateful = {"aws_db_instance", "aws_elasticache_replication_group", "aws_s3_bucket", "aws_ssm_parameter",
                "aws_ecr_repository"}
    mapping = adopted()[1]
    mapped = {m.instance.address for m in mapping.matches}
    for i in instances():
        if i.type in stateful:
            assert i.address in mapped or i.address in mapping.elsewhere, i.address
    # The us-west-2 replica is the DR stack's database, and adopts into it.
    assert mapping.elsewhere["aws_db_instance.replica_usw2"] == "production-dr"
    dr = {m.instance.address: m.registration.name for m in adopted("production-dr")[1].matches}
    assert dr == {"aws_db_instance.replica_usw2": "data-mysql",
                  "aws_db_subnet_group.replica_usw2": "data-mysql-subnets"}


def test_import_ids_follow_pulumi_aws_documentation():
    """Each type the table gives its own import id documents `pulumi import <type> <name> <id>` in
    the installed pulumi_aws, with an id shaped like the one the table builds."""
    shapes = {
        "aws:rds/instance:Instance": r"^[a-z][a-z0-9-]*$",  # an identifier, never db-…
        "aws:wafv2/webAcl:WebAcl": r"^[0-9a-f-]{36,}/[^/]+/(REGIONAL|CLOUDFRONT)$",
        "aws:ec2/route:Route": r"^rtb-[0-9A-Za-z]+_[0-9a-f.:/]+$",
        "aws:ecs/service:Service": r"^[^/:]+/[^/]+$",
        "aws:ecs/taskDefinition:TaskDefinition": r"^arn:aws:ecs:[^:]+:\d+:task-definition/[^:]+:\d+$",
        "aws:ec2/routeTableAssociation:RouteTableAssociation": r"^(subnet|igw)-[0-9a-zA-Z]+/rtb-[0-9a-zA-Z]+$",
        "aws:ec2/defaultRouteTable:DefaultRouteTable": r"^vpc-[0-9a-z]+$",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": r"^[^/]+/arn:aws:iam::[a-z0-9]*:policy/.+$",
        "aws:route53/record:Record": r"^Z[0-9A-Z]+_[^_]+_[A-Z]+(_.+)?$",
    }
    for token in adopt.IMPORT_IDS:
        doc = inspect.getmodule(resource_classes(token)[0]).__doc__ or ""
        source = inspect.getsource(resource_classes(token)[0])
        examples = re.findall(rf"pulumi import {re.escape(token)} \S+ (\S+)", doc + source)
        assert examples, f"{token}: no import example in pulumi_aws"
        if token in shapes:
            assert any(re.match(shapes[token], e) for e in examples), (token, examples)
    for m in adopted()[1].matches:
        if m.registration.type in shapes:
            assert re.match(shapes[m.registration.type], adopt.import_id(m.registration.type, m.instance)), m


def test_import_file_recreates_the_programs_urns():
    run, mapping, _ = adopted()
    document = adopt.import_file(run, mapping, "7.0.0")
    entries = {e["name"]: e for e in document["resources"]}
    assert len(entries) == len(document["resources"])  # names are unique: parents refer to them
    allowed = {"type", "name", "id", "parent", "provider", "version", "logicalName", "component", "properties",
               "remote", "pluginDownloadURL"}
    urns = {r.urn for r in run.resources}
    for e in document["resources"]:
        assert set(e) <= allowed
        assert ("id" in e) != bool(e.get("component"))
        chain, parent = [], e.get("parent")
        while parent:
            assert entries[parent].get("component"), parent
            chain.insert(0, entries[parent]["type"])
            parent = entries[parent].get("parent")
        urn = f"urn:pulumi:production::elite-locadora::{'$'.join([*chain, e['type']])}::{e['logicalName']}"
        assert urn in urns, urn
        if "provider" in e:
            assert document["nameTable"][e["provider"]].startswith("urn:pulumi:production::elite-locadora::"
                                                                   "pulumi:providers:aws::")
    assert len([e for e in document["resources"] if "id" in e]) == len(mapping.matches)


# --- the plan after adoption ---------------------------------------------------------------------


def test_plan_names_every_replacement_and_a_way_out_of_each_stateful_one():
    _, _, result = adopted()
    replaced = {c.name: c for c in result.plan if c.kind == "replace"}
    assert set(replaced["data-mysql"].reasons) >= {"username", "kmsKeyId"}
    assert set(replaced["assets"].reasons) == {"bucket"}
    assert "engine" in replaced["data-redis"].reasons
    for c in replaced.values():
        assert c.reasons, c.name
        if c.stateful:
            assert result.ways_out[c.name], c.name
    ways = " ".join(result.ways_out["data-mysql"])
    assert 'adoptedDatabase.username = "admin"' in ways and "adoptedDatabase.kmsKeyArn" in ways
    assert 'adoptedAssetsBucket = "elite-locadora-assets"' in " ".join(result.ways_out["assets"])
    assert len(result.findings) == sum(c.stateful for c in replaced.values())
    # The cache's runbook step is given once, though engine and replicationGroupId both force it.
    assert len(result.ways_out["data-redis"]) == 1
    assert "crane copy elite-locadora-frontend:<tag>" in result.ways_out["compute-frontend-repo"][0]
    assert any("8.0.35 -> 8.4 is a major upgrade" in w for w in result.warnings)
    assert any("PublicReadGetObject is removed" in s for s in result.statements)
    assert "45 min" in result.downtime


def test_the_way_out_config_keeps_the_database_and_the_bucket():
    result = adopted(keep=True)[2]
    kinds = {c.name: c.kind for c in result.plan}
    assert kinds["data-mysql"] == "update" and kinds["assets"] == "update"
    mysql = next(c for c in result.plan if c.name == "data-mysql")
    assert {p.name for p in mysql.properties} >= {"instanceClass", "password"}
    assert any("master password is reset" in e for e in mysql.effects)
    assert not result.warnings  # dbEngineVersion 8.0: no major upgrade in the cut-over
    assert "data-mysql" not in result.ways_out and "assets" not in result.ways_out


def test_adopted_inputs_are_pulumis_names_and_shapes():
    record = next(i for i in instances() if i.address == "aws_route53_record.apex")
    shape = pulumi_shape(record, "aws:route53/record:Record")
    assert shape.inputs["aliases"] == [{"evaluateTargetHealth": False, "name": "d1a2b3c4d5e6f7.cloudfront.net",
                                        "zoneId": "Z2FDTNDATAQYW2"}]  # a list: the bridge keeps it one
    cluster = next(i for i in instances() if i.type == "aws_ecs_cluster")
    assert pulumi_shape(cluster, "aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enabled"}]
    db = next(i for i in instances() if i.address == "aws_db_instance.database")
    shape = pulumi_shape(db, "aws:rds/instance:Instance", adopt.NOT_READ_BACK["aws_db_instance"])
    assert "password" not in shape.inputs and "endpoint" not in shape.inputs and "endpoint" in shape.outputs
    ssm = next(i for i in instances() if i.address == "aws_ssm_parameter.jwt_secret")
    assert pulumi_shape(ssm, "aws:ssm/parameter:Parameter").secret == {"value"}


def test_decisions_for_what_the_program_does_not_manage():
    mapping = adopted()[1]
    unmatched = {i.address: adopt.decision(i).what for i in mapping.unmatched}
    assert unmatched["aws_cloudfront_origin_access_identity.assets"] == "delete after cut-over"
    assert unmatched["module.vpc.aws_default_network_acl.this[0]"] == "keep out of both tools"
    assert unmatched["aws_route53_zone.main"] == "keep out of both tools"
    assert unmatched["aws_iam_role.task_execution"] == "delete after cut-over"


# --- bad input -----------------------------------------------------------------------------------


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "state.tfstate"
    path.write_text(json.dumps(doc))
    return path


def test_bad_states_stop_with_one_line_and_write_nothing(tmp_path, capsys):
    doc = json.loads(FIXTURE.read_text())
    cases = {
        "version": ({**doc, "version": 3}, "state format version 3"),
        "foreign": ({**doc, "resources": [{"mode": "managed", "type": "google_compute_network", "name": "net",
                                           "provider": 'provider["registry.terraform.io/hashicorp/google"]',
                                           "instances": [{"attributes": {"id": "n"}}]}]},
                    "google_compute_network.net"),
    }
    for label, (state, expected) in cases.items():
        out = tmp_path / f"{label}.json"
        code = main(["adopt", "--stack", "production", "--tfstate", str(_write(tmp_path, state)),
                     "--import-file", str(out)])
        err = capsys.readouterr().err
        assert code == 2, label
        assert expected in err and err.count("error:") == 1, err
        assert not out.exists()
    broken = tmp_path / "broken.tfstate"
    broken.write_text("{not json")
    with pytest.raises(StateError, match="not JSON"):
        load_state(broken)


def test_two_terraform_resources_on_one_program_resource():
    run = adopted()[0]
    subnet = next(i for i in instances() if i.address == "module.vpc.aws_subnet.private[0]")
    twin = dataclasses.replace(subnet, address="aws_subnet.copy", attributes={**subnet.attributes, "id": "subnet-x"})
    with pytest.raises(adopt.AdoptError, match=r"module\.vpc\.aws_subnet\.private\[0\] and aws_subnet\.copy"):
        adopt.map_state(run, [*instances(), twin], "us-east-1")


def test_one_terraform_resource_on_several_program_resources():
    run = copy.deepcopy(adopted()[0])
    repo = next(r for r in run.resources if r.name == "compute-frontend-repo")
    run.resources.append(dataclasses.replace(repo, urn=repo.urn + "-twin", name=repo.name + "-twin"))
    with pytest.raises(adopt.AdoptError, match=r"aws_ecr_repository\.frontend matches 2 resources"):
        adopt.map_state(run, instances(), "us-east-1")


def test_adopt_command_end_to_end(tmp_path, capsys):
    out, export = tmp_path / "import.json", tmp_path / "adopted.json"
    code = main(["adopt", "--stack", "production", "--tfstate", str(FIXTURE), "--import-file", str(out),
                 "--export", str(export)])
    printed = capsys.readouterr().out
    assert code == 1  # stateful replacements nobody acknowledged
    assert "data guard: replace of data-mysql" in printed and "Ways out:" in printed
    assert "adopt them with --stack production-dr" in printed
    assert "terraform state rm 'aws_acm_certificate.main'" in printed
    document = json.loads(out.read_text())
    assert any(e["logicalName"] == "data-mysql" and e["id"] == "elite-locadora-production"
               for e in document["resources"])
    # The export is a base `preview --against` reads.
    base = changes.load_base(export, "production", "elite-locadora")
    assert any(r.id == "db-7XKQ2M4N6P8R0T2V4X6Z8B0D2F" for r in base.values())


def test_states_without_live_managed_resources_are_refused(tmp_path):
    doc = json.loads(FIXTURE.read_text())
    only_data = {**doc, "resources": [r for r in doc["resources"] if r["mode"] == "data"]}
    with pytest.raises(StateError, match="no managed resources"):
        load_state(_write(tmp_path, only_data))
    deposed = copy.deepcopy(doc)
    bucket = next(r for r in deposed["resources"] if r["type"] == "aws_s3_bucket")
    bucket["instances"][0]["deposed"] = "00000001"
    assert "aws_s3_bucket.assets" not in {i.address for i in load_state(_write(tmp_path, deposed))}


def test_an_older_provider_state_is_named():
    from preflight.plan.terraform import older_schemas

    db = next(i for i in instances() if i.address == "aws_db_instance.database")
    assert older_schemas([db]) == []
    old = dataclasses.replace(db, schema_version=1)
    assert "schema version 1 < 2" in older_schemas([old])[0]


def test_a_missing_state_file_stops_before_the_program(tmp_path, capsys):
    code = main(["adopt", "--stack", "production", "--tfstate", str(tmp_path / "none.tfstate"),
                 "--import-file", str(tmp_path / "import.json")])
    err = capsys.readouterr().err
    assert code == 2 and "--tfstate" in err and "terraform state pull" in err
    assert "running the program" not in err and not (tmp_path / "import.json").exists()


def test_adopted_key_arns_of_both_kinds_are_accepted():
    from pydantic import ValidationError

    from components.config import AdoptedDatabase

    for key in ("key/7f3c2a1e-5b4d-4c3a-9e8f-0a1b2c3d4e5f", "key/mrk-" + "0123456789abcdef" * 2):
        assert AdoptedDatabase(kms_key_arn=f"arn:aws:kms:us-east-1:123456789012:{key}").kms_key_arn
    for bad in ("alias/aws/rds", "key/mrk-123", "key/7f3c2a1e5b4d4c3a9e8f0a1b2c3d4e5f"):
        with pytest.raises(ValidationError):
            AdoptedDatabase(kms_key_arn=f"arn:aws:kms:us-east-1:123456789012:{bad}")
