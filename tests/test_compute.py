"""Compute tier: cluster, services from config, IAM, ALB, WAF and autoscaling."""

from __future__ import annotations

import json
import re

import pytest

from components.compute import APP_BUCKET_PREFIXES, ELB_LOG_ACCOUNTS, SECRETS_BY_KIND
from preflight.engine.runner import StackRun, load_cli_config, run_stack

from .conftest import environment_of, setting, stack_run

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|DATABASE_URL|CREDENTIAL", re.I)


def _containers(run: StackRun) -> dict[str, dict]:
    return {t.inputs["family"]: json.loads(t.inputs["containerDefinitions"])[0] for t in run.of_type(TASK)}


def _policies(run: StackRun) -> dict[str, dict]:
    return {p.name: json.loads(p.inputs["policy"]) for p in run.of_type("aws:iam/rolePolicy:RolePolicy")}


def _statements(document: dict) -> list[dict]:
    return document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize(("stack", "base", "on_demand", "spot"), [
    ("staging", 0, 1, 3), ("production", 2, 3, 1)])
def test_capacity_providers_and_default_strategy(stack: str, base: int, on_demand: int, spot: int) -> None:
    run = stack_run(stack)
    providers = run.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs
    assert providers["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    strategy = {s["capacityProvider"]: s for s in providers["defaultCapacityProviderStrategies"]}
    assert (strategy["FARGATE"].get("base", 0), strategy["FARGATE"]["weight"]) == (base, on_demand)
    assert strategy["FARGATE_SPOT"]["weight"] == spot
    cluster = run.one("aws:ecs/cluster:Cluster").inputs
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert "capacityProviders" not in cluster, "capacity providers belong to their own resource"


def test_one_task_definition_per_configured_service(any_stack: StackRun) -> None:
    prefix = f"elite-locadora-{any_stack.stack}"
    tasks = {t.inputs["family"]: t.inputs for t in any_stack.of_type(TASK)}
    assert set(tasks) == {f"{prefix}-{n}" for n in ("frontend", "backend", "worker")}
    frontend = tasks[f"{prefix}-frontend"]
    assert (frontend["cpu"], frontend["memory"]) == ("512", "1024"), "the guide's frontend size"
    for task in tasks.values():
        assert task["requiresCompatibilities"] == ["FARGATE"] and task["networkMode"] == "awsvpc"
        assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    containers = _containers(any_stack)
    assert containers[f"{prefix}-frontend"]["portMappings"] == [{"containerPort": 80, "protocol": "tcp"}]
    assert containers[f"{prefix}-backend"]["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    assert "portMappings" not in containers[f"{prefix}-worker"]
    assert "http://localhost:80/health" in containers[f"{prefix}-frontend"]["healthCheck"]["command"][1]
    for family, container in containers.items():
        assert container["readonlyRootFilesystem"] is True, family
        assert container["healthCheck"]["command"][0] == "CMD-SHELL", family
        log = container["logConfiguration"]
        assert log["logDriver"] == "awslogs" and log["options"]["awslogs-group"].startswith("/ecs/"), family


def test_secrets_only_through_secrets_never_environment(any_stack: StackRun) -> None:
    secret_values = {r.outputs["result"] for r in any_stack.of_type("random:index/randomPassword:RandomPassword")}
    for family, container in _containers(any_stack).items():
        for variable in container["environment"]:
            assert not SECRET_NAME.search(variable["name"]), f"{family}: {variable['name']} in environment"
            assert variable["value"] not in secret_values, f"{family}: a generated secret in environment"
            assert not variable["value"].startswith(("sk_", "pk_")), f"{family}: a Stripe key in environment"
        arns = {p.outputs["arn"] for p in any_stack.of_type("aws:ssm/parameter:Parameter")}
        for secret in container.get("secrets", []):
            assert secret["valueFrom"] in arns, f"{family}: {secret['name']} not from an SSM parameter"
    backend = _containers(any_stack)[f"elite-locadora-{any_stack.stack}-backend"]
    assert {s["name"] for s in backend["secrets"]} == set(SECRETS_BY_KIND["api"])
    env = {v["name"]: v["value"] for v in backend["environment"]}
    assert env["CACHE_DRIVER"] == env["SESSION_DRIVER"] == env["QUEUE_CONNECTION"] == "redis"
    assert env["DB_HOST"] == any_stack.one("aws:rds/instance:Instance", "data-mysql").outputs["address"]


def test_execution_roles_read_exactly_their_parameters(any_stack: StackRun) -> None:
    arns = {p.inputs["name"].split(f"/{environment_of(any_stack.stack)}/", 1)[1]: p.outputs["arn"]
            for p in any_stack.of_type("aws:ssm/parameter:Parameter")}
    policies = _policies(any_stack)
    for service, kind in (("frontend", "web"), ("backend", "api"), ("worker", "worker")):
        statements = {s["Sid"]: s for s in _statements(policies[f"compute-{service}-execution-policy"])}
        assert set(_as_list(statements["ReadOwnSecrets"]["Resource"])) == {
            arns[path] for path in SECRETS_BY_KIND[kind].values()}, service
        assert statements["ReadOwnSecrets"]["Action"] == "ssm:GetParameters"
        key = any_stack.one("aws:kms/key:Key", "keys-secrets").outputs["arn"]
        assert statements["DecryptOwnSecrets"]["Resource"] == key


def test_task_roles_reach_only_the_application_prefixes(any_stack: StackRun) -> None:
    bucket = any_stack.one("aws:s3/bucket:Bucket", "assets").outputs["arn"]
    policy = {s["Sid"]: s for s in _statements(_policies(any_stack)["compute-backend-task-policy"])}
    assert set(policy["AssetsObjects"]["Resource"]) == {f"{bucket}/{p}" for p in APP_BUCKET_PREFIXES}
    assert "compute-frontend-task-policy" not in _policies(any_stack), "the web tier calls no AWS API"


def test_no_iam_statement_allows_everything_on_everything(any_stack: StackRun) -> None:
    documents = [(p.urn, json.loads(p.inputs["policy"])) for p in any_stack.resources
                 if p.type in ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")]
    assert documents
    for urn, document in documents:
        for statement in _statements(document):
            if statement["Effect"] != "Allow":
                continue
            actions = _as_list(statement["Action"])
            resources = _as_list(statement.get("Resource", []))
            assert not ("*" in actions and "*" in resources), f"{urn}: {statement}"
            assert not any(a.endswith(":*") for a in actions) or "*" not in resources, f"{urn}: {statement}"


def test_http_listener_only_redirects(any_stack: StackRun) -> None:
    http = any_stack.one("aws:lb/listener:Listener", "compute-alb-http-listener").inputs
    assert http["port"] == 80 and http["protocol"] == "HTTP"
    action = http["defaultActions"]
    assert action == [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                        "statusCode": "HTTP_301"}}]
    listener = any_stack.one("aws:lb/listener:Listener", "compute-alb-http-listener").outputs["arn"]
    rules = [r for r in any_stack.of_type("aws:lb/listenerRule:ListenerRule") if r.inputs["listenerArn"] == listener]
    assert rules == [], "nothing may be served over plain HTTP"


def test_https_listener_uses_tls12_policy_and_validated_certificate(any_stack: StackRun) -> None:
    https = any_stack.one("aws:lb/listener:Listener", "compute-alb-https-listener").inputs
    assert https["protocol"] == "HTTPS" and https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2-")
    validation = any_stack.one("aws:acm/certificateValidation:CertificateValidation", "certificates-alb-validation")
    assert https["certificateArn"] == validation.outputs["certificateArn"]
    assert https["defaultActions"][0]["fixedResponse"]["statusCode"] == "403"


def test_routing_rules(any_stack: StackRun) -> None:
    groups = {t.name: t.outputs["arn"] for t in any_stack.of_type("aws:lb/targetGroup:TargetGroup")}
    rules = {r.name: r.inputs for r in any_stack.of_type("aws:lb/listenerRule:ListenerRule")}
    api_host, api_path, web = (rules["compute-backend-rule-0"], rules["compute-backend-rule-1"],
                               rules["compute-frontend-rule-0"])
    api_name = load_cli_config(any_stack.stack)[0]["elite-locadora:apiName"]
    assert api_host["conditions"][0]["hostHeader"]["values"] == [api_name]
    assert api_path["conditions"][0]["pathPattern"]["values"] == ["/api/*"]
    backend_group = groups["compute-backend-tg"]
    assert api_host["actions"][0]["targetGroupArn"] == api_path["actions"][0]["targetGroupArn"] == backend_group
    assert web["actions"][0]["targetGroupArn"] == groups["compute-frontend-tg"]
    assert max(api_host["priority"], api_path["priority"]) < web["priority"], "api rules must win over the catch-all"
    for rule in rules.values():
        headers = [c["httpHeader"] for c in rule["conditions"] if "httpHeader" in c]
        assert headers and headers[0]["httpHeaderName"] == "X-Origin-Verify", "only CloudFront may be served"
    for group in any_stack.of_type("aws:lb/targetGroup:TargetGroup"):
        assert group.inputs["targetType"] == "ip" and group.inputs["healthCheck"]["enabled"] is True


def test_alb_hardening_and_waf(any_stack: StackRun) -> None:
    alb = any_stack.one("aws:lb/loadBalancer:LoadBalancer")
    assert alb.inputs["internal"] is False and alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["enableDeletionProtection"] is setting(any_stack.stack, "albDeletionProtection")
    logs_bucket = any_stack.one("aws:s3/bucket:Bucket", "logs").outputs["bucket"]
    assert alb.inputs["accessLogs"] == {"bucket": logs_bucket, "prefix": "alb", "enabled": True}
    association = any_stack.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    acl = any_stack.one("aws:wafv2/webAcl:WebAcl", "compute-waf")
    assert association["resourceArn"] == alb.outputs["arn"] and association["webAclArn"] == acl.outputs["arn"]
    assert acl.inputs["scope"] == "REGIONAL"
    public = {s.id for s in any_stack.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-public")}
    assert set(alb.inputs["subnets"]) == public


def test_alb_log_delivery_is_granted_on_the_logs_bucket(any_stack: StackRun) -> None:
    policy = json.loads(any_stack.one("aws:s3/bucketPolicy:BucketPolicy", "logs-policy").inputs["policy"])
    grant = next(s for s in policy["Statement"] if s.get("Sid") == "AlbAccessLogDelivery")
    account = ELB_LOG_ACCOUNTS[str(setting(any_stack.stack, "aws:region"))]
    assert grant["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}, "the region's ELB account"
    assert grant["Resource"].endswith("/alb/AWSLogs/123456789012/*")


def test_security_group_chain_alb_to_app_to_data(any_stack: StackRun) -> None:
    sg = {g.name: g.id for g in any_stack.of_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = [r.inputs for r in any_stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    alb_in = [r for r in ingress if r["securityGroupId"] == sg["compute-alb-sg"]]
    assert {r["fromPort"] for r in alb_in} == {443}, "CloudFront's origin is HTTPS-only; one prefix-list rule fits"
    assert all(r.get("prefixListId") == "pl-3b927c52" for r in alb_in), "the ALB admits only CloudFront"
    app_in = [r for r in ingress if r["securityGroupId"] == sg["network-app-sg"]]
    assert {(r["fromPort"], r["referencedSecurityGroupId"]) for r in app_in} == {
        (80, sg["compute-alb-sg"]), (8000, sg["compute-alb-sg"])}
    for data_group in ("data-mysql-sg", "data-redis-sg"):
        sources = {r["referencedSecurityGroupId"] for r in ingress if r["securityGroupId"] == sg[data_group]}
        assert sources == {sg["network-app-sg"]}, data_group
    for service in any_stack.of_type(SERVICE):
        network = service.inputs["networkConfiguration"]
        assert network["securityGroups"] == [sg["network-app-sg"]] and network["assignPublicIp"] is False


def test_services_deploy_safely_and_scale_within_bounds(production: StackRun) -> None:
    services = {s.inputs["name"]: s for s in production.of_type(SERVICE)}
    private = {s.id for s in production.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("network-private")}
    for name, service in services.items():
        inputs = service.inputs
        assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}, name
        assert set(inputs["networkConfiguration"]["subnets"]) == private, name
        assert "desiredCount" in service.ignore_changes, f"{name}: autoscaling must own the count"
    assert services["backend"].inputs["desiredCount"] == 3
    assert services["frontend"].inputs["healthCheckGracePeriodSeconds"] == 60
    targets = {t.name: t.inputs for t in production.of_type("aws:appautoscaling/target:Target")}
    assert (targets["compute-backend-scaling-target"]["minCapacity"],
            targets["compute-backend-scaling-target"]["maxCapacity"]) == (2, 20)
    policies = {p.name: p.inputs for p in production.of_type("aws:appautoscaling/policy:Policy")}
    web_requests = policies["compute-frontend-scale-on-requests"]["targetTrackingScalingPolicyConfiguration"]
    assert web_requests["predefinedMetricSpecification"]["predefinedMetricType"] == "ALBRequestCountPerTarget"
    assert web_requests["predefinedMetricSpecification"]["resourceLabel"].startswith("app/")
    assert "compute-backend-scale-on-cpu" in policies and "compute-worker-scale-on-cpu" in policies


def test_ecr_repositories(staging: StackRun, production: StackRun) -> None:
    repos = {r.inputs["name"]: r.inputs for r in production.of_type("aws:ecr/repository:Repository")}
    assert set(repos) == {"elite-locadora-production/frontend", "elite-locadora-production/backend"}
    for repo in repos.values():
        assert repo["imageTagMutability"] == "IMMUTABLE"
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["encryptionConfigurations"][0]["encryptionType"] == "KMS"
    assert len(production.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")) == 2
    # Replication to the DR region is the DR stack's (StandbyLinks); its own services pull the replicas.
    for run in (staging, production):
        assert run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration") == []


def test_placeholder_image_lets_a_first_deploy_converge(staging: StackRun) -> None:
    backend = _containers(staging)["elite-locadora-staging-backend"]
    assert backend["image"] == "public.ecr.aws/docker/library/busybox:stable"
    assert "httpd -f -p 8000" in backend["command"][2] and "/tmp/www/api/health" in backend["command"][2]


def test_a_fourth_service_is_one_config_entry() -> None:
    values, _, _ = load_cli_config("staging")
    services = json.loads(values["elite-locadora:services"])
    services.append({"name": "scheduler", "kind": "worker", "repository": "backend", "image": "placeholder",
                     "cpu": 256, "memory": 512, "desiredCount": 1, "minCount": 1, "maxCount": 1,
                     "command": ["php", "artisan", "schedule:work"], "writablePaths": ["/tmp"]})
    run = run_stack("staging", overrides={"services": services})
    assert run.one(SERVICE, "compute-scheduler-service").inputs["name"] == "scheduler"
    container = _containers(run)["elite-locadora-staging-scheduler"]
    assert {s["name"] for s in container["secrets"]} == set(SECRETS_BY_KIND["worker"])
    assert run.one("aws:iam/rolePolicy:RolePolicy", "compute-scheduler-execution-policy")
    assert len(run.of_type("aws:ecr/repository:Repository")) == 2, "it reuses the backend image"


def test_an_alb_open_to_the_world_takes_80_and_443_on_ipv4_and_ipv6() -> None:
    run = run_stack("staging", overrides={"albOnlyFromCloudFront": False})
    group = run.one("aws:ec2/securityGroup:SecurityGroup", "compute-alb-sg").id
    rules = {(r.inputs["fromPort"], r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6"))
             for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.inputs["securityGroupId"] == group}
    assert rules == {(p, c) for p in (80, 443) for c in ("0.0.0.0/0", "::/0")}


def test_public_services_wait_for_their_listener_rules(any_stack: StackRun) -> None:
    for name in ("frontend", "backend"):
        service = any_stack.one(SERVICE, f"compute-{name}-service")
        rules = {r.urn for r in any_stack.of_type("aws:lb/listenerRule:ListenerRule")
                 if r.name.startswith(f"compute-{name}-rule")}
        assert rules and rules <= set(service.dependencies), f"{name} may start before its target group is attached"
