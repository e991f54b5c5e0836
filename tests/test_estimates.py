"""Cost and deploy-time estimates: each price rule against the price file, config changes moving
the estimate by the right amount, unpriced resources reported, the critical path of a known graph."""

from __future__ import annotations

import pytest
from elite_policies.pricing import prices, usage
from elite_policies.pricing.cost import PRICERS, estimate
from google.protobuf import struct_pb2

from preflight.engine.runner import Registration, StackRun, run_stack
from preflight.reports.estimates.timeline import critical_path
from preflight.reports.estimates.timeline import estimate as timeline

from .conftest import stack_run

P = prices("us-east-1")
U = usage()
H = U["hours_per_month"]


def usd(key: str, *sub: str) -> float:
    node = P[key]
    for step in sub:
        node = node[step]
    return node["usd"]


def _cost(report, name: str) -> float:
    return sum(line.usd_month for line in report.lines if line.resource == name)


@pytest.fixture(scope="module")
def production_cost():
    return estimate(stack_run("production"))


def test_rds_primary(production_cost) -> None:
    storage, retention = 100, 30
    expected = (usd("rds_mysql_instance_hour", "db.r6g.xlarge") * H * 2
                + storage * usd("rds_gp3_gb_month") * 2
                + storage * retention * U["rds_backup_daily_change_rate"] * usd("rds_backup_gb_month"))
    assert _cost(production_cost, "data-mysql") == pytest.approx(expected)
    advanced = estimate(run_stack("production", overrides={"dbInsightsMode": "advanced",
                                                           "dbPerformanceInsightsRetentionDays": 465}))
    assert _cost(advanced, "data-mysql") == pytest.approx(
        expected + 4 * H * usd("rds_database_insights_advanced_vcpu_hour") * 2)


def test_the_standbys_replica_is_priced_in_its_region_with_transfer() -> None:
    west = prices("us-west-2")
    storage = U["rds_storage_gb_of_remote_source"]
    expected = (west["rds_mysql_instance_hour"]["db.r6g.large"]["usd"] * H
                + storage * west["rds_gp3_gb_month"]["usd"]
                + storage * 7 * U["rds_backup_daily_change_rate"] * west["rds_backup_gb_month"]["usd"]
                + U["rds_cross_region_gb"] * west["inter_region_gb"]["usd"])
    assert _cost(estimate(stack_run("production-dr")), "data-mysql") == pytest.approx(expected)
    # Promoted, it replicates nothing: Multi-AZ at production's class, no transfer.
    active = estimate(run_stack("production-dr", overrides={"drMode": "active"}))
    promoted = (west["rds_mysql_instance_hour"]["db.r6g.xlarge"]["usd"] * H * west["rds_multi_az_factor"]["usd"]
                + storage * west["rds_gp3_gb_month"]["usd"] * west["rds_multi_az_factor"]["usd"]
                + storage * 30 * U["rds_backup_daily_change_rate"] * west["rds_backup_gb_month"]["usd"])
    assert _cost(active, "data-mysql") == pytest.approx(promoted)


def test_the_standbys_links_are_priced_at_the_source(production_cost) -> None:
    standby = estimate(stack_run("production-dr"))
    east = prices("us-east-1")
    gb = U["s3_replicated_gb"]
    assert _cost(standby, "standby-links-assets-replication") == pytest.approx(
        gb * (east["inter_region_gb"]["usd"] + east["s3_replication_time_control_gb"]["usd"]))
    assert _cost(standby, "standby-links-ecr-replication") == pytest.approx(
        U["ecr_replicated_gb"] * east["inter_region_gb"]["usd"])
    checks = [line for line in production_cost.lines if line.type == "aws:route53/healthCheck:HealthCheck"]
    assert sum(line.usd_month for line in checks) == pytest.approx(3 * usd("route53_health_check_month"))


def test_cache_nodes(production_cost) -> None:
    node = usd("elasticache_valkey_node_hour", "cache.r6g.large")
    assert _cost(production_cost, "data-redis") == pytest.approx(3 * node * H)
    redis = estimate(run_stack("production", overrides={"cacheEngine": "redis", "cacheEngineVersion": "7.1"}))
    assert _cost(redis, "data-redis") == pytest.approx(3 * usd("elasticache_node_hour", "cache.r6g.large") * H)


def test_nat_gateways_and_their_addresses(production_cost) -> None:
    one_nat = usd("nat_gateway_hour") * H + U["nat_gb_processed_per_gateway"] * usd("nat_gateway_gb")
    assert _cost(production_cost, "network-nat-a") == pytest.approx(one_nat)
    assert _cost(production_cost, "network-nat-eip-a") == pytest.approx(usd("public_ipv4_hour") * H)


def test_alb(production_cost) -> None:
    expected = usd("alb_hour") * H + U["alb_average_lcus"] * usd("alb_lcu_hour") * H
    assert _cost(production_cost, "compute-alb") == pytest.approx(expected)


def test_fargate_on_demand_base_and_spot_share(production_cost) -> None:
    # backend: 3 tasks of 1 vCPU / 2 GB ARM; base 2 on FARGATE, the third split 3:1 on-demand:Spot.
    per_task = 1 * usd("fargate_vcpu_hour", "ARM64") + 2 * usd("fargate_gb_hour", "ARM64")
    on_demand, spot = 2 + 0.75, 0.25
    expected = (on_demand + spot * (1 - usd("fargate_spot_discount"))) * per_task * H
    assert _cost(production_cost, "compute-backend-service") == pytest.approx(expected)


def test_edge_and_waf(production_cost) -> None:
    cdn = (U["cloudfront_gb_to_viewers"] * usd("cloudfront_gb")
           + U["cloudfront_million_requests"] * 100 * usd("cloudfront_https_10k"))
    assert _cost(production_cost, "edge-distribution") == pytest.approx(cdn)
    rules = len(stack_run("production").one("aws:wafv2/webAcl:WebAcl", "edge-waf").inputs["rules"])
    assert rules == 6  # common rule set, rate limit, four managed groups from config
    acl = usd("waf_acl_month") + rules * usd("waf_rule_month") + U["waf_million_requests"] * usd("waf_million_requests")
    assert _cost(production_cost, "edge-waf") == pytest.approx(acl)


def test_opensearch_endpoints_keys_alarms_logs_buckets(production_cost) -> None:
    assert _cost(production_cost, "observability-opensearch") == pytest.approx(
        3 * usd("opensearch_instance_hour", "m6g.large.search") * H + 3 * 100 * usd("opensearch_gp3_gb_month")
        + 3 * usd("opensearch_instance_hour", "m6g.large.search") * H)  # three dedicated masters
    # interfaceEndpointZones: 2 in production
    assert _cost(production_cost, "network-ecr-api-endpoint") == pytest.approx(
        2 * usd("interface_endpoint_az_hour") * H + U["interface_endpoint_gb"] * usd("interface_endpoint_gb"))
    assert _cost(production_cost, "network-s3-endpoint") == 0
    assert _cost(production_cost, "keys-logs") == pytest.approx(
        usd("kms_key_month") + U["kms_10k_requests_per_key"] * usd("kms_10k_requests"))
    assert _cost(production_cost, "observability-alb-5xx") == pytest.approx(usd("cloudwatch_alarm_month"))
    app_logs = U["log_gb_ingested"]["/ecs/"]
    assert _cost(production_cost, "compute-backend-logs") == pytest.approx(
        app_logs * (usd("cloudwatch_logs_ingest_gb") + usd("cloudwatch_logs_store_gb_month")))
    assert _cost(production_cost, "assets") == pytest.approx(U["bucket_gb"]["assets"] * usd("s3_standard_gb_month"))


def test_dashboard_images_and_log_stream(production_cost) -> None:
    assert _cost(production_cost, "observability-dashboard") == pytest.approx(usd("cloudwatch_dashboard_month"))
    images = U["ecr_gb_per_repository"] * usd("ecr_gb_month")
    assert _cost(production_cost, "compute-backend-repo") == pytest.approx(images)
    assert _cost(production_cost, "observability-log-stream") == pytest.approx(
        U["firehose_gb"] * usd("firehose_gb") + 3 * usd("firehose_vpc_az_hour") * H)


def test_a_created_hosted_zone_is_priced() -> None:
    report = estimate(run_stack("staging", overrides={"createHostedZone": True}))
    assert _cost(report, "certificates-zone") == pytest.approx(usd("route53_zone_month"))


def test_every_pricer_is_exercised_by_production_its_standby_and_its_account(production_cost) -> None:
    standby, account = estimate(stack_run("production-dr")), estimate(stack_run("account-production"))
    priced_types = {line.type for line in production_cost.lines + standby.lines + account.lines}
    assert set(PRICERS) - priced_types <= {"aws:route53/zone:Zone"}, set(PRICERS) - priced_types
    assert production_cost.unpriced == [] and standby.unpriced == [] and account.unpriced == []


def test_the_account_baselines_priced_items_follow_the_usage_assumptions() -> None:
    account = estimate(stack_run("account-production"))
    macie = [line for line in account.lines if line.type == "aws:macie2/classificationJob:ClassificationJob"]
    per_job = U["macie_new_documents_gb"] * usd("macie_gb_inspected")
    assert [line.usd_month for line in macie] == pytest.approx([per_job] * 2)
    hub = [line for line in account.lines if line.type == "aws:securityhub/account:Account"]
    per_region = U["securityhub_checks_per_region"] * usd("securityhub_check")
    assert [line.usd_month for line in hub] == pytest.approx([per_region] * 2)
    staging = estimate(stack_run("account-staging"))  # samples a quarter of the new documents
    (job,) = [line for line in staging.lines if line.type == "aws:macie2/classificationJob:ClassificationJob"]
    assert job.usd_month == pytest.approx(0.25 * U["macie_new_documents_gb"] * usd("macie_gb_inspected"))


def test_single_nat_saves_two_gateways_and_addresses() -> None:
    per_az = (usd("nat_gateway_hour") * H + U["nat_gb_processed_per_gateway"] * usd("nat_gateway_gb")
              + usd("public_ipv4_hour") * H)
    one_per_az = estimate(stack_run("production")).total
    single = estimate(run_stack("production", overrides={"natStrategy": "single"})).total
    assert one_per_az - single == pytest.approx(2 * per_az)


def test_smaller_database_class_moves_the_estimate_by_the_class_difference() -> None:
    before = estimate(stack_run("production")).total
    after = estimate(run_stack("production", overrides={"dbInstanceClass": "db.r6g.large"})).total
    hourly = usd("rds_mysql_instance_hour", "db.r6g.xlarge") - usd("rds_mysql_instance_hour", "db.r6g.large")
    assert before - after == pytest.approx(hourly * H * 2)


def test_more_spot_lowers_fargate_cost() -> None:
    base = estimate(stack_run("staging"))
    spotless = estimate(run_stack("staging", overrides={"fargateSpotWeight": 0}))
    fargate = lambda r: sum(x.usd_month for x in r.lines if x.type == "aws:ecs/service:Service")  # noqa: E731
    # staging: 1 task per service, base 0, weights 1:3 -> 3/4 of each task on Spot.
    per_task_hours = sum((cpu / 1024 * usd("fargate_vcpu_hour", "ARM64") + mem / 1024 * usd("fargate_gb_hour", "ARM64"))
                         for cpu, mem in ((512, 1024), (1024, 2048), (512, 1024))) * H
    assert fargate(spotless) - fargate(base) == pytest.approx(per_task_hours * 0.75 * usd("fargate_spot_discount"))


def test_unpriced_resources_are_reported_not_skipped() -> None:
    odd = Registration(urn="urn:pulumi:s::p::aws:sagemaker/domain:Domain::odd", type="aws:sagemaker/domain:Domain",
                       name="odd", custom=True, parent="", provider="", dependencies=[], property_dependencies={},
                       protect=False, retain_on_delete=False, ignore_changes=[], custom_timeouts={}, aliases=[],
                       remote=False, engine_inputs=struct_pb2.Struct(), inputs={}, secret_inputs=set())
    report = estimate(StackRun(stack="s", preview=False, resources=[odd], exports={}, warnings=[], notes=[]))
    assert report.unpriced == [("aws:sagemaker/domain:Domain", "odd")]


def test_critical_path_of_a_known_graph() -> None:
    #   a(1) -> b(5) -> d(1)      the longest chain is a-b-d = 7, not a-c-d = 1+3+1
    #   a(1) -> c(3) -> d(1)      and e(6) alone is shorter
    nodes = {"a": 1.0, "b": 5.0, "c": 3.0, "d": 1.0, "e": 6.0}
    edges = {"b": {"a"}, "c": {"a"}, "d": {"b", "c"}}
    assert critical_path(nodes, edges) == (["a", "b", "d"], 7.0)


def test_first_deploys_are_bounded_by_their_databases() -> None:
    # Production: the search domain (the longest create) outlasts primary + in-region replica.
    result = timeline(stack_run("production"))
    names = [s.name for s in result.critical_path]
    assert "observability-opensearch" in names
    assert result.critical_seconds < result.serial_seconds
    # The standby's first `up` creates the cross-region replica: a full copy of the primary.
    standby = timeline(stack_run("production-dr"))
    assert "data-mysql" in [s.name for s in standby.critical_path]
    assert standby.critical_seconds >= 2700



def test_a_change_is_timed_by_what_it_creates_and_updates() -> None:
    from preflight.reports.estimates.timeline import estimate_change

    plan = estimate_change(stack_run("staging"), run_stack("staging", overrides={"logAggregation": True}))
    assert "observability-opensearch" in plan.created and not plan.deleted
    assert "observability-opensearch" in [s.name for s in plan.timeline.critical_path]
    assert plan.timeline.critical_seconds >= 3000  # OpenSearch's create time dominates


def test_deferred_and_ignored_changes_cost_no_time() -> None:
    from preflight.reports.estimates.timeline import estimate_change

    plan = estimate_change(stack_run("production"),
                           run_stack("production", overrides={"redisNodeType": "cache.r6g.xlarge"}))
    assert plan.updated == ["data-redis"]
    (step,) = plan.timeline.critical_path
    assert step.seconds == 15 and "maintenance window" in step.source


def test_promoting_a_replica_takes_the_promotion_time() -> None:
    from dataclasses import replace

    from preflight.reports.estimates.timeline import update_duration

    replica = stack_run("production-dr").one("aws:rds/instance:Instance", "data-mysql")
    promoted = replace(replica, inputs={k: v for k, v in replica.inputs.items() if k != "replicateSourceDb"})
    seconds, source = update_duration(replica, promoted)
    assert seconds == 600 and "PromoteReadReplica" in source
    # Promoted and resized in one `up`: the provider modifies after the promotion completes.
    resized = replace(promoted, inputs={**promoted.inputs, "multiAz": True})
    seconds, source = update_duration(replica, resized)
    assert seconds == 600 + 1800 and "then ModifyDBInstance" in source


def test_timeline_change_on_the_command_line(capsys: pytest.CaptureFixture) -> None:
    from preflight import cli

    assert cli.main(["timeline", "--stack", "staging", "--change", "logAggregation=true"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "to create" in out and "observability-opensearch" in out and "applying logAggregation=true" in out
    created = next(line for line in out.splitlines() if line.strip().startswith("create:"))
    assert "observability-opensearch" in created  # the resources counted are named, not only counted


def test_a_replacing_change_is_timed_as_a_replacement() -> None:
    from preflight.reports.estimates.timeline import estimate_change

    plan = estimate_change(stack_run("production"), run_stack("production", overrides={"vpcCidr": "10.1.0.0/16"}))
    assert "network-vpc" in plan.replaced and "network-vpc" not in plan.updated
    assert any(s.source.startswith("replacement:") for s in plan.timeline.critical_path)


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2"])
def test_every_class_the_config_accepts_has_a_price(region: str) -> None:
    from typing import get_args

    from components.config import CacheNodeType, DbInstanceClass

    table = prices(region)
    assert set(get_args(DbInstanceClass)) <= set(table["rds_mysql_instance_hour"]) & set(table["rds_vcpus"])
    for key in ("elasticache_node_hour", "elasticache_valkey_node_hour"):
        assert set(get_args(CacheNodeType)) <= set(table[key]), key


def test_the_budget_fails_closed_on_a_resource_it_cannot_price() -> None:

    from elite_policies.testing import UNKNOWN, policy, resource, violations

    budget = policy("stack-monthly-budget")
    rds = "aws:rds/instance:Instance"
    priced = [resource(rds, "db", {"instanceClass": "db.t4g.medium", "allocatedStorage": 20.0})]
    unpriced = [resource(rds, "db", {"instanceClass": "db.x9.huge", "allocatedStorage": 20.0})]
    assert violations(budget, resources=priced, config={"maxMonthlyUsd": 1000}) == []
    found = violations(budget, resources=unpriced, config={"maxMonthlyUsd": 1000})
    assert found and "cannot price 1 resource(s)" in found[0] and "db.x9.huge" in found[0]
    unknown = [resource(rds, "db", {"instanceClass": UNKNOWN, "allocatedStorage": 20.0})]
    assert violations(budget, resources=unknown, config={"maxMonthlyUsd": 1000}) == [], "unknown until up: not judged"
