"""Cost: Valkey by default (Redis OSS still possible), a per-pull-request cost change, the budget
policy, the guide's literal spec priced on the same table, and production under 90 % of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from elite_policies.pricing import prices, usage
from elite_policies.pricing.cost import estimate

from preflight import cli
from preflight.engine.analyzer import POLICY_DIR, analyze, load_policy_config
from preflight.engine.runner import ProgramError, run_stack
from preflight.reports.estimates.delta import delta
from preflight.reports.estimates.guide import GUIDE_SPEC, LEVERS, guide_dr_overrides, guide_overrides, lever_overrides

from .conftest import stack_run

REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_valkey_is_the_default_engine(stack: str) -> None:
    run = stack_run(stack)
    group = run.one(REDIS).inputs
    assert (group["engine"], group["engineVersion"]) == ("valkey", "8.0")
    assert group["transitEncryptionMode"] == "required" and group["authToken"]
    params = run.one("aws:elasticache/parameterGroup:ParameterGroup").inputs
    assert params["family"] == "valkey8"
    assert {p["name"]: p["value"] for p in params["parameters"]}["maxmemory-policy"] == "allkeys-lru"


def test_redis_oss_remains_a_choice_with_the_same_alarms() -> None:
    valkey = stack_run("production")
    redis = run_stack("production", overrides={"cacheEngine": "redis", "cacheEngineVersion": "7.1"})
    assert redis.one(REDIS).inputs["engine"] == "redis"
    assert redis.one("aws:elasticache/parameterGroup:ParameterGroup").inputs["family"] == "redis7"
    metrics = lambda run: sorted((a.inputs["namespace"], a.inputs["metricName"], a.name)  # noqa: E731
                                 for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
                                 if a.inputs["namespace"] == "AWS/ElastiCache")
    assert metrics(valkey) == metrics(redis) and len(metrics(valkey)) == 9
    # The group keeps its id: an engine change is an in-place update, never a new cache.
    assert valkey.one(REDIS).urn == redis.one(REDIS).urn
    assert valkey.one(REDIS).inputs["replicationGroupId"] == redis.one(REDIS).inputs["replicationGroupId"]


@pytest.mark.parametrize(("engine", "version"), [("valkey", "7.1"), ("redis", "8.0")])
def test_an_engine_version_the_engine_lacks_is_a_config_error(engine: str, version: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_stack("staging", overrides={"cacheEngine": engine, "cacheEngineVersion": version})
    assert "elite-locadora:cacheEngineVersion" in str(caught.value) and caught.value.registered == []


def test_valkey_nodes_are_priced_below_redis() -> None:
    table = prices("us-east-1")
    for node, price in table["elasticache_valkey_node_hour"].items():
        assert price["usd"] == pytest.approx(table["elasticache_node_hour"][node]["usd"] * 0.8, rel=0.01), node


def test_every_class_the_guide_names_has_a_price_with_a_source() -> None:
    for region in ("us-east-1", "us-west-2"):
        table = prices(region)
        for klass in ("db.r5.xlarge", "db.r5.large"):
            assert table["rds_mysql_instance_hour"][klass]["source"].startswith("https://aws.amazon.com/")
            assert table["rds_vcpus"][klass] in (2, 4)
        assert table["elasticache_node_hour"]["cache.r6g.large"]["usd"] > 0
        assert table["fargate_vcpu_hour"]["X86_64"]["usd"] > table["fargate_vcpu_hour"]["ARM64"]["usd"]


def test_the_guide_spec_is_production_with_the_guides_values() -> None:
    spec = run_stack("production", overrides=guide_overrides())
    db = spec.one("aws:rds/instance:Instance", "data-mysql").inputs
    assert db["instanceClass"] == "db.r5.xlarge" and db["multiAz"] is True
    replicas = [r.inputs["instanceClass"] for r in spec.of_type("aws:rds/instance:Instance") if r.name != "data-mysql"]
    assert replicas == ["db.r5.large"]
    # The guide's us-west-2 replica: the standby's database at the guide's class.
    standby = run_stack("production-dr", overrides=guide_dr_overrides())
    assert standby.one("aws:rds/instance:Instance", "data-mysql").inputs["instanceClass"] == "db.r5.large"
    cache = spec.one(REDIS).inputs
    assert (cache["engine"], cache["nodeType"], cache["numCacheClusters"]) == ("redis", "cache.r6g.large", 3)
    endpoints = spec.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert not [e for e in endpoints if e.inputs["vpcEndpointType"] == "Interface"]
    assert all(GUIDE_SPEC[k][1] for k in GUIDE_SPEC)


def test_production_costs_at_most_90_percent_of_the_guides_spec_without_losing_availability() -> None:
    production, spec_run = stack_run("production"), run_stack("production", overrides=guide_overrides())
    ratio = estimate(production).total / estimate(spec_run).total
    assert ratio <= 0.90, ratio

    def counts(run):  # what the levers may not lower
        db = run.one("aws:rds/instance:Instance", "data-mysql").inputs
        cache = run.one(REDIS).inputs
        search = run.one("aws:opensearch/domain:Domain").inputs["clusterConfig"]
        return (db["multiAz"], len(run.of_type("aws:rds/instance:Instance")), cache["numCacheClusters"],
                cache["multiAzEnabled"], search["instanceCount"], search.get("dedicatedMasterCount"),
                len(run.of_type("aws:ec2/natGateway:NatGateway")),
                sorted(s.inputs["minCount"] if "minCount" in s.inputs else s.inputs["desiredCount"]
                       for s in run.of_type("aws:ecs/service:Service")))
    assert counts(production) == counts(spec_run)


@pytest.mark.parametrize("lever", sorted(LEVERS))
def test_each_lever_saves_money(lever: str) -> None:
    undone = estimate(run_stack("production", overrides=lever_overrides(lever))).total
    assert undone > estimate(stack_run("production")).total + 5, lever


def test_committed_column_is_below_on_demand_and_only_where_aws_offers_commitments() -> None:
    report = estimate(stack_run("production"))
    assert report.committed_total < report.total * 0.9
    for line in report.lines:
        if line.type in ("aws:s3/bucket:Bucket", "aws:ec2/natGateway:NatGateway", "aws:kms/key:Key"):
            assert line.committed_usd_month == line.usd_month, line


def test_cost_base_reports_resource_tier_and_total_deltas(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = tmp_path / "base.json"
    assert cli.main(["cost", "--stack", "production", "--json", str(base)]) == cli.EXIT_OK
    head = tmp_path / "head.json"
    assert cli.main(["cost", "--stack", "production", "--set", "cacheEngine=redis", "--set", "cacheEngineVersion=7.1",
                     "--json", str(head), "--base", str(base), "--format", "markdown"]) == cli.EXIT_OK
    result = delta(json.loads(base.read_text()), json.loads(head.read_text()))
    assert [r["resource"] for r in result["resources"]] == ["data-redis"]
    table, node = prices("us-east-1"), "cache.r6g.large"
    per_node_hour = table["elasticache_node_hour"][node]["usd"] - table["elasticache_valkey_node_hour"][node]["usd"]
    expected = 3 * usage()["hours_per_month"] * per_node_hour
    assert result["resources"][0]["delta"] == pytest.approx(expected, abs=0.01)
    assert result["tiers"] == [{"tier": "data", "base": result["tiers"][0]["base"],
                                "head": result["tiers"][0]["head"], "delta": result["resources"][0]["delta"]}]
    assert result["total"]["delta"] == result["resources"][0]["delta"]
    out = capsys.readouterr().out
    assert f"### Cost change: `production` ({expected:+,.2f} USD/month" in out and "| data | `data-redis` |" in out


def test_a_bad_base_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    assert cli.main(["cost", "--stack", "staging", "--base", str(bad)]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "not JSON" in err and "a `cost --json` document" in err


def _budget(stack: str, usd: float, preview: bool = True) -> list:
    run = run_stack(stack, preview=preview)
    config = load_policy_config(POLICY_DIR / "config" / f"{stack}.json")
    config["stack-monthly-budget"]["maxMonthlyUsd"] = usd
    result = analyze(run.resources, stack=stack, project="elite-locadora", preview=preview, policy_config=config,
                     config_source="test")
    return [v for v in result.violations if v.policy == "stack-monthly-budget"]


@pytest.mark.parametrize("preview", [True, False])
def test_budget_policy_prices_the_stack_like_the_cost_command(preview: bool) -> None:
    total = estimate(stack_run("production")).total
    (over,) = _budget("production", total - 1, preview)
    assert over.level == "mandatory" and f"estimated {total:,.2f} USD/month" in over.message
    assert _budget("production", total + 1, preview) == []


def test_budget_is_mandatory_in_production_and_advisory_in_staging() -> None:
    production = json.loads((POLICY_DIR / "config" / "production.json").read_text())["stack-monthly-budget"]
    staging = json.loads((POLICY_DIR / "config" / "staging.json").read_text())["stack-monthly-budget"]
    assert production["enforcementLevel"] == "mandatory" and production["maxMonthlyUsd"] > 0
    assert staging["enforcementLevel"] == "advisory"
    (warning,) = _budget("staging", 100)
    assert warning.level == "advisory"


def test_pull_request_workflow_prices_the_target_branch_as_the_base() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    script = "\n".join(step.get("run", "") for step in workflow["jobs"]["checks"]["steps"])
    assert "git worktree add" in script and "--base" in script and "GITHUB_STEP_SUMMARY" in script
