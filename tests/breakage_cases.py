"""Compliant and violating cases of the policies that breakages nobody had named showed missing:
data stores reached by addresses or port ranges, every-protocol rules that slipped past the world
check, images from outside the private registry, a DR replica without backups, and resource types
the property map never reviewed. tests/test_policies.py runs them with the rest."""

from __future__ import annotations

import json
from typing import Any

from elite_policies.testing import resource

TASK, RDS = "aws:ecs/taskDefinition:TaskDefinition", "aws:rds/instance:Instance"
GROUP, RULE = "aws:ec2/securityGroup:SecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
ACCOUNT = "111122223333"
ECR = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/elite-locadora-production/backend"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/elite-locadora/production/compute-backend-execution"
PLACEHOLDER = "public.ecr.aws/docker/library/busybox:stable"


POLICY = "aws:iam/rolePolicy:RolePolicy"
BOUNDARY = {"StringEquals": {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary"}}


def _allow(*actions: str, resource: str = f"arn:aws:iam::{ACCOUNT}:role/elite-locadora/*",
           condition: dict | None = None) -> dict:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource,
            **({"Condition": condition} if condition else {})}


def _policy(*statements: dict) -> dict:
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


def _trust(principal: Any, condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [
        {**statement, **({"Condition": condition} if condition else {})}]})}


def _images(*images: str, role: str = ROLE) -> dict:
    return {"executionRoleArn": role,
            "containerDefinitions": json.dumps([{"name": f"c{i}", "image": image} for i, image in enumerate(images)])}


# (policy, resource type, compliant props, violating props, expected fragment, config)
RESOURCE_CASES: list[tuple[str, str, dict, dict, str, dict]] = [
    ("ecs-images-from-private-registry", TASK, _images(f"{ECR}:3f2a9c1"), _images("nginx:latest"),
     "c0: nginx:latest is not a private ECR image", {}),
    ("ecs-images-from-private-registry", TASK, _images(f"{ECR}@sha256:{'a' * 64}"), _images(f"{ECR}:latest"),
     "the `latest` tag names no particular build", {}),
    ("ecs-images-from-private-registry", TASK, _images(f"{ECR}:v1"), _images(f"{ECR}"),
     "not a private ECR image named by tag or digest", {}),
    ("ecs-images-from-private-registry", TASK, _images(f"{ECR}:v1"),
     _images("999999999999.dkr.ecr.us-east-1.amazonaws.com/tools/backend:v1"),
     "an image of account 999999999999, not this stack's", {}),
    ("ecs-images-from-private-registry", TASK, _images(PLACEHOLDER), _images(PLACEHOLDER, "busybox:stable"),
     "c1: busybox:stable is not a private ECR image", {"trustedImages": {PLACEHOLDER: "the first-deploy stand-in"}}),
    ("rds-backup-retention", RDS, {"replicateSourceDb": "elite-locadora-production-mysql"},
     {"replicateSourceDb": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:elite-locadora-production-mysql",
      "backupRetentionPeriod": 0.0}, "0 days < 7", {"minimumDays": 7}),
    ("iam-role-trust-scoped", "aws:iam/role:Role",
     _trust({"Service": "firehose.amazonaws.com"}, {"StringEquals": {"sts:ExternalId": ACCOUNT}}),
     _trust({"Service": "ecs-tasks.amazonaws.com"}), "lets ecs-tasks.amazonaws.com assume it for any account", {}),
    ("iam-role-trust-scoped", "aws:iam/role:Role", _trust({"Service": "ec2.amazonaws.com"}),
     _trust({"Service": ["ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"]}),
     "lets vpc-flow-logs.amazonaws.com assume it", {}),
    ("iam-no-privilege-escalation", POLICY,
     _policy(_allow("iam:PutRolePolicy", "iam:CreateRole", condition=BOUNDARY)),
     _policy(_allow("iam:PutRolePolicy", "iam:CreateRole")), "allows iam:PutRolePolicy, iam:CreateRole", {}),
    ("iam-no-privilege-escalation", POLICY, _policy(_allow("iam:GetRole")), _policy(_allow("iam:Create*")),
     "allows iam:CreatePolicyVersion, iam:CreateAccessKey", {}),
    ("iam-no-privilege-escalation", POLICY, {**_policy(_allow("iam:AttachUserPolicy")), "role": "break-glass"},
     {**_policy(_allow("iam:AttachUserPolicy")), "role": "app"}, "allows iam:AttachUserPolicy",
     {"exemptRoles": {"break-glass": "the account's emergency role, its use alarmed"}}),
    ("iam-resource-arns-scoped", POLICY, _policy(_allow("s3:GetObject", resource=f"arn:aws:s3:::bucket-{ACCOUNT}/*")),
     _policy(_allow("s3:GetObject", resource="arn:aws:s3:::*/*")), "reaches every bucket", {}),
    ("iam-resource-arns-scoped", POLICY,
     _policy(_allow("sts:AssumeRole", resource=f"arn:aws:iam::{ACCOUNT}:role/elite-locadora/production/*")),
     _policy(_allow("sts:AssumeRole", resource="arn:aws:iam::*:role/deployer")), "iam resources of any account", {}),
    ("iam-resource-arns-scoped", POLICY,
     _policy(_allow("kms:Decrypt", resource=f"arn:aws:kms:*:{ACCOUNT}:key/abc")),
     _policy(_allow("iam:PassRole", resource=f"arn:aws:iam::{ACCOUNT}:role/*")), "every role of the account", {}),
]

# The type is the breakage: (policy, compliant type, violating type, expected fragment, config).
TYPE_CASES: list[tuple[str, str, str, str, dict]] = [
    ("resource-types-reviewed", "aws:ec2/subnet:Subnet", "aws:ec2/instance:Instance",
     "aws:ec2/instance:Instance is not in the property map", {}),
    ("resource-types-reviewed", "pulumi:providers:random", "pulumi:providers:tls", "pulumi:providers:tls", {}),
    ("resource-types-reviewed", "elite-locadora:data:DataTier", "tls:index/privateKey:PrivateKey",
     "tls:index/privateKey:PrivateKey", {}),
    ("resource-types-reviewed", "awsx:ec2:Vpc", "aws-native:ec2:Instance", "aws-native:ec2:Instance", {}),
    ("resource-types-reviewed", "elite-locadora:compute:ComputeTier", "awsx:ecs:FargateService",
     "awsx:ecs:FargateService", {"componentPackages": ["elite-locadora"]}),
    ("resource-types-reviewed", "pulumi:pulumi:StackReference", "aws:lambda/function:Function",
     "aws:lambda/function:Function", {}),
]


def _store(rule: dict, *, rule_type: str = RULE, port: float | None = 3306.0, inline: bool = False) -> list:
    """A database wearing its own group, and one ingress rule of that group."""
    group = resource(GROUP, "db-sg", {"ingress": [rule]} if inline else {})
    database = resource(RDS, "db", {"engine": "mysql", **({"port": port} if port is not None else {})},
                        property_dependencies={"vpcSecurityGroupIds": [group]})
    parts = [group, database]
    if not inline:
        parts.append(resource(rule_type, "db-in", rule, property_dependencies={"securityGroupId": [group]}))
    return parts


def _world_all_protocols(protocol: str) -> list:
    group = resource(GROUP, "alb-sg", {})
    rule = resource(RULE, "in", {"cidrIpv4": "0.0.0.0/0", "fromPort": 443.0, "toPort": 443.0, "ipProtocol": protocol},
                    property_dependencies={"securityGroupId": [group]})
    lb = resource("aws:lb/loadBalancer:LoadBalancer", "alb", {"loadBalancerType": "application"},
                  property_dependencies={"securityGroups": [group]})
    return [group, rule, lb]


def _failover(missing: str | None) -> list:
    alarm = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "no-healthy-hosts",
                     {"treatMissingData": missing} if missing else {})
    quiet = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu-high", {"treatMissingData": "notBreaching"})
    check = resource("aws:route53/healthCheck:HealthCheck", "origin", {"type": "CLOUDWATCH_METRIC"},
                     property_dependencies={"cloudwatchAlarmName": [alarm]})
    return [alarm, quiet, check]


CLIENT: dict[str, Any] = {"ipProtocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0,
                          "referencedSecurityGroupId": "sg-app"}

# (policy, compliant stack, violating stack, expected fragment, config)
STACK_CASES: list[tuple[str, Any, Any, str, dict]] = [
    ("data-store-ingress-from-clients-only", lambda: _store(CLIENT),
     lambda: _store({**CLIENT, "referencedSecurityGroupId": None, "cidrIpv4": "10.0.0.0/16"}),
     "admits addresses 10.0.0.0/16, not a client group", {}),
    ("data-store-ingress-from-clients-only", lambda: _store(CLIENT), lambda: _store({**CLIENT, "ipProtocol": "-1"}),
     "protocol -1", {}),
    ("data-store-ingress-from-clients-only", lambda: _store(CLIENT),
     lambda: _store({**CLIENT, "fromPort": 0.0, "toPort": 65535.0}), "ports 0.0-65535.0; the store listens on 3306",
     {}),
    ("data-store-ingress-from-clients-only", lambda: _store({**CLIENT, "fromPort": 5432.0, "toPort": 5432.0},
                                                            port=5432.0),
     lambda: _store({**CLIENT, "fromPort": 3306.0, "toPort": 3306.0}, port=5432.0),
     "the store listens on 5432", {}),
    ("data-store-ingress-from-clients-only",
     lambda: _store({"type": "ingress", "protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0,
                     "sourceSecurityGroupId": "sg-app"}, rule_type=LEGACY_RULE),
     lambda: _store({"type": "ingress", "protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0,
                     "cidrBlocks": ["10.0.1.0/24"]}, rule_type=LEGACY_RULE),
     "admits addresses 10.0.1.0/24", {}),
    ("data-store-ingress-from-clients-only",
     lambda: _store({"protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0, "securityGroups": ["sg-app"]},
                    inline=True),
     lambda: _store({"protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0, "prefixListIds": ["pl-1"]},
                    inline=True), "admits addresses pl-1", {}),
    ("route53-health-check-alarm-breaches-on-missing-data", lambda: _failover("breaching"),
     lambda: _failover("notBreaching"), "missing data is notBreaching on an alarm a health check reads", {}),
    ("route53-health-check-alarm-breaches-on-missing-data", lambda: _failover("breaching"), lambda: _failover(None),
     "missing data is missing", {}),
    ("no-world-open-ingress", lambda: _world_all_protocols("tcp"), lambda: _world_all_protocols("-1"),
     "world ingress on every protocol and port", {}),
]
