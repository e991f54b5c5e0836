"""Compliant and violating cases of the policies that judge trust, network paths, durability,
containers, alarms and health checks (policies/elite_policies/exposure.py, resilience.py);
tests/test_policies.py runs them with the rest."""

from __future__ import annotations

import json
from typing import Any

from elite_policies.testing import resource

ROLE, KEY = "aws:iam/role:Role", "aws:kms/key:Key"
RDS, TASK = "aws:rds/instance:Instance", "aws:ecs/taskDefinition:TaskDefinition"
SERVICE, ALARM = "aws:ecs/service:Service", "aws:cloudwatch/metricAlarm:MetricAlarm"
RULE, LISTENER = "aws:lb/listenerRule:ListenerRule", "aws:lb/listener:Listener"
HOME, OTHER = "111122223333", "444455556666"
GITHUB = "token.actions.githubusercontent.com"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: Any, condition: dict | None = None, action: str = "sts:AssumeRole", **extra: Any) -> dict:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    if condition:
        statement["Condition"] = condition
    return {"assumeRolePolicy": _doc(statement)}


OIDC = {"Federated": f"arn:aws:iam::{HOME}:oidc-provider/{GITHUB}"}
OIDC_OK = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": "repo:o/r:environment:prod"}}


def _task(**container: Any) -> dict:
    base = {"name": "api", "user": "1000:1000",
            "linuxParameters": {"capabilities": {"add": [], "drop": ["NET_RAW", "MKNOD", "SYS_CHROOT",
                                                                      "AUDIT_WRITE", "SETFCAP"]}}}
    return {"containerDefinitions": json.dumps([{**base, **container}])}


FORWARD = [{"type": "forward", "targetGroupArn": "arn:tg"}]
VERIFIED = [{"pathPattern": {"values": ["/*"]}},
            {"httpHeader": {"httpHeaderName": "X-Origin-Verify", "values": ["s3cr3t"]}}]
HEALTH = {"enabled": True, "path": "/health", "matcher": "200-399", "interval": 30.0, "unhealthyThreshold": 3.0}
GROUPS = [{"name": g, "overrideAction": {"none": {}},
           "statement": {"managedRuleGroupStatement": {"name": g, "vendorName": "AWS"}}}
          for g in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                    "AWSManagedRulesSQLiRuleSet")]

# (policy, resource type, compliant props, violating props, expected fragment, config)
RESOURCE_CASES: list[tuple[str, str, dict, dict, str, dict]] = [
    ("iam-role-trust-scoped", ROLE, _trust({"Service": "ecs-tasks.amazonaws.com"},
                                           {"StringEquals": {"aws:SourceAccount": HOME}}), _trust("*"),
     "trusts every AWS principal", {}),
    ("iam-role-trust-scoped", ROLE, _trust(OIDC, OIDC_OK, "sts:AssumeRoleWithWebIdentity"),
     _trust(OIDC, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}, "sts:AssumeRoleWithWebIdentity"),
     "of any subject", {}),
    ("iam-role-trust-scoped", ROLE, _trust(OIDC, OIDC_OK, "sts:AssumeRoleWithWebIdentity"),
     _trust(OIDC, {"StringLike": {f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": "repo:*"}},
            "sts:AssumeRoleWithWebIdentity"), "trusts subject repo:*", {}),
    ("iam-role-trust-scoped", ROLE, _trust({"AWS": f"arn:aws:iam::{HOME}:root"}),
     {"assumeRolePolicy": _doc({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{HOME}:root"},
                                "Action": "sts:AssumeRole"})}, "NotPrincipal", {}),
    ("alb-listener-rules-origin-verified", RULE, {"actions": FORWARD, "conditions": VERIFIED},
     {"actions": FORWARD, "conditions": VERIFIED[:1]}, "without the X-Origin-Verify condition", {}),
    ("alb-listener-rules-origin-verified", LISTENER,
     {"loadBalancerArn": "arn:lb", "defaultActions": [{"type": "fixed-response"}]},
     {"loadBalancerArn": "arn:lb", "defaultActions": FORWARD}, "forwards by default", {}),
    ("waf-required-managed-rule-groups", "aws:wafv2/webAcl:WebAcl", {"rules": GROUPS}, {"rules": GROUPS[:2]},
     "AWSManagedRulesSQLiRuleSet missing", {}),
    ("waf-required-managed-rule-groups", "aws:wafv2/webAcl:WebAcl", {"rules": GROUPS},
     {"rules": [*GROUPS[:2], {**GROUPS[2], "overrideAction": {"count": {}}}]}, "only counts", {}),
    ("waf-logging-redacts-credentials", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
     {"redactedFields": [{"singleHeader": {"name": "authorization"}}, {"singleHeader": {"name": "cookie"}}]},
     {"redactedFields": [{"singleHeader": {"name": "authorization"}}]}, "cookie is logged", {}),
    ("ssm-plain-parameter-no-secret-value", "aws:ssm/parameter:Parameter",
     {"type": "String", "value": "https://api.example.com"},
     {"type": "String", "value": "sk_live_51Habcdefghijklmnop"}, "a Stripe secret key", {}),
    ("ssm-plain-parameter-no-secret-value", "aws:ssm/parameter:Parameter",
     {"type": "SecureString", "value": "mysql://u:p4ss@db/x"},
     {"type": "StringList", "insecureValue": "mysql://u:p4ss@db/x"}, "credentials in a URL", {}),
    ("random-password-strength", "random:index/randomPassword:RandomPassword", {"length": 32.0, "special": False},
     {"length": 12.0, "special": False}, "length 12 over 62 characters = 71 bits", {}),
    ("random-password-strength", "random:index/randomPassword:RandomPassword", {"length": 64.0, "special": False},
     {"length": 32.0, "special": False, "upper": False, "lower": False}, "over 10 characters", {}),
    ("cloudfront-security-headers", "aws:cloudfront/distribution:Distribution",
     {"defaultCacheBehavior": {"responseHeadersPolicyId": "h"},
      "orderedCacheBehaviors": [{"pathPattern": "/api/*", "responseHeadersPolicyId": "h"}]},
     {"defaultCacheBehavior": {"responseHeadersPolicyId": "h"}, "orderedCacheBehaviors": [{"pathPattern": "/api/*"}]},
     "behaviour /api/* adds no security headers", {}),
    ("sns-subscription-encrypted-protocol", "aws:sns/topicSubscription:TopicSubscription",
     {"protocol": "https", "endpoint": "https://hooks.example.com"},
     {"protocol": "http", "endpoint": "http://hooks.example.com"}, "http to http://hooks", {}),
    ("rds-retain-automated-backups", RDS, {"deleteAutomatedBackups": False}, {"deleteAutomatedBackups": True},
     "automated backups deleted", {}),
    ("rds-retain-automated-backups", RDS, {"replicateSourceDb": "arn:aws:rds:x"}, {}, "automated backups", {}),
    ("rds-ca-certificate-current", RDS, {"caCertIdentifier": "rds-ca-rsa2048-g1"},
     {"caCertIdentifier": "rds-ca-2019"}, "rds-ca-2019", {}),
    ("no-force-delete-of-data", "aws:s3/bucket:Bucket", {"forceDestroy": False}, {"forceDestroy": True},
     "forceDestroy true", {}),
    ("no-force-delete-of-data", "aws:ecr/repository:Repository", {}, {"forceDelete": True}, "forceDelete true", {}),
    ("kms-key-usable-and-guarded", KEY, {"isEnabled": True}, {"isEnabled": False}, "key disabled", {}),
    ("kms-key-usable-and-guarded", KEY, {}, {"bypassPolicyLockoutSafetyCheck": True}, "lockout", {}),
    ("ecs-service-deployment-safety", SERVICE,
     {"deploymentMinimumHealthyPercent": 100.0, "deploymentMaximumPercent": 200.0,
      "loadBalancers": [{"containerPort": 80.0}], "healthCheckGracePeriodSeconds": 60.0},
     {"deploymentMinimumHealthyPercent": 50.0, "deploymentMaximumPercent": 200.0}, "minimum healthy 50 %", {}),
    ("ecs-service-deployment-safety", SERVICE, {"deploymentMaximumPercent": 200.0},
     {"deploymentMaximumPercent": 100.0}, "maximum 100 %", {}),
    ("ecs-service-deployment-safety", SERVICE, {}, {"loadBalancers": [{"containerPort": 80.0}]},
     "no health-check grace period", {}),
    ("ecs-container-non-root-user", TASK, _task(), _task(user="0:0"), "api runs as root", {}),
    ("ecs-container-non-root-user", TASK, _task(user=None), _task(name="web", user="root"), "web runs as root",
     {"rootContainers": {"api": "binds port 80"}}),
    ("ecs-container-capabilities-dropped", TASK, _task(),
     _task(linuxParameters={"capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]}}), "adds SYS_PTRACE", {}),
    ("ecs-container-capabilities-dropped", TASK, _task(linuxParameters={"capabilities": {"drop": ["ALL"]}}),
     _task(linuxParameters={}), "keeps NET_RAW", {}),
    ("cloudwatch-alarm-actionable", ALARM, {"alarmActions": ["arn:topic"]}, {"alarmActions": []},
     "no alarm action", {}),
    ("cloudwatch-alarm-actionable", ALARM, {"alarmActions": ["arn:topic"], "actionsEnabled": True},
     {"alarmActions": ["arn:topic"], "actionsEnabled": False}, "actions disabled", {}),
    ("cloudwatch-alarm-missing-data-explicit", ALARM, {"treatMissingData": "breaching"},
     {"treatMissingData": "missing"}, "treatMissingData missing", {}),
    ("lb-target-group-health-check", "aws:lb/targetGroup:TargetGroup", {"protocol": "HTTP", "healthCheck": HEALTH},
     {"protocol": "HTTP", "healthCheck": {**HEALTH, "enabled": False}}, "health check disabled", {}),
    ("lb-target-group-health-check", "aws:lb/targetGroup:TargetGroup", {"protocol": "HTTP", "healthCheck": HEALTH},
     {"protocol": "HTTP", "healthCheck": {**HEALTH, "matcher": "200-499"}}, "counts errors as healthy", {}),
    ("lb-target-group-health-check", "aws:lb/targetGroup:TargetGroup", {"protocol": "HTTP", "healthCheck": HEALTH},
     {"protocol": "HTTP", "healthCheck": {**HEALTH, "interval": 300.0}}, "keeps traffic for 900 s", {}),
    ("route53-health-check-fails-safe", "aws:route53/healthCheck:HealthCheck",
     {"type": "CLOUDWATCH_METRIC", "insufficientDataHealthStatus": "Unhealthy"},
     {"type": "CLOUDWATCH_METRIC", "insufficientDataHealthStatus": "Healthy"}, "insufficient data counts as Healthy",
     {}),
    ("route53-health-check-fails-safe", "aws:route53/healthCheck:HealthCheck",
     {"type": "CALCULATED", "childHealthThreshold": 1.0}, {"type": "CALCULATED", "childHealthThreshold": 1.0,
                                                            "invertHealthcheck": True}, "inverted", {}),
]


def _keys(grantee: str) -> list:
    arns = [resource(ROLE, f"r{i}", {"arn": f"arn:aws:iam::{HOME}:role/r{i}"}) for i in range(3)]
    policy = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{grantee}:root"}, "Action": "kms:*",
                   "Resource": "*"})
    return [*arns, resource(KEY, "key", {"policy": policy})]


def _log_bucket_policy(account: str) -> list:
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:PutObject",
                 "Resource": "arn:aws:s3:::logs/alb/*"}
    return [*_keys(HOME)[:3], resource("aws:s3/bucketPolicy:BucketPolicy", "p", {"policy": _doc(statement)})]


def _egress(cidr: str, protocol: str, low: float, high: float) -> list:
    return [resource("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out",
                     {"cidrIpv4": cidr, "ipProtocol": protocol, "fromPort": low, "toPort": high})]


def _routes(tier: str, target: dict) -> list:
    subnet = resource("aws:ec2/subnet:Subnet", "s", {"tags": {"Tier": tier}})
    table = resource("aws:ec2/routeTable:RouteTable", "rt", {})
    association = resource("aws:ec2/routeTableAssociation:RouteTableAssociation", "a", {},
                           property_dependencies={"subnetId": [subnet], "routeTableId": [table]})
    route = resource("aws:ec2/route:Route", "default", {"destinationCidrBlock": "0.0.0.0/0", **target},
                     property_dependencies={"routeTableId": [table]})
    return [subnet, table, association, route]


def _lifecycle(classification: str, days: float, noncurrent: float = 30.0) -> list:
    bucket = resource("aws:s3/bucket:Bucket", "b", {"tags": {"DataClassification": classification}})
    rules = [{"id": "r", "status": "Enabled", "expiration": {"days": days},
              "noncurrentVersionExpiration": {"noncurrentDays": noncurrent}}]
    return [bucket, resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc",
                             {"rules": rules}, property_dependencies={"bucket": [bucket]})]


# (policy, compliant stack, violating stack, expected fragment, config)
STACK_CASES: list[tuple[str, Any, Any, str, dict]] = [
    ("resource-policy-no-foreign-account", lambda: _keys(HOME), lambda: _keys(OTHER),
     f"grants account {OTHER}", {}),
    ("resource-policy-no-foreign-account", lambda: _keys(OTHER), lambda: _keys("999988887777"),
     "grants account 999988887777", {"trustedAccounts": {OTHER: "partner"}}),
    ("resource-policy-no-foreign-account", lambda: _log_bucket_policy("127311923021"),
     lambda: _log_bucket_policy(OTHER), f"grants account {OTHER}", {}),
    ("security-group-egress-restricted", lambda: _egress("0.0.0.0/0", "tcp", 443.0, 443.0),
     lambda: _egress("0.0.0.0/0", "-1", 0.0, 0.0), "all protocols to the internet", {}),
    ("security-group-egress-restricted", lambda: _egress("10.0.0.0/16", "-1", 0.0, 0.0),
     lambda: _egress("0.0.0.0/0", "tcp", 0.0, 65535.0), "tcp 0-65535 to the internet", {}),
    ("subnet-tier-routes", lambda: _routes("private", {"natGatewayId": "nat-1"}),
     lambda: _routes("isolated", {"natGatewayId": "nat-1"}), "isolated subnets route to a NAT gateway", {}),
    ("subnet-tier-routes", lambda: _routes("public", {"gatewayId": "igw-1"}),
     lambda: _routes("private", {"gatewayId": "igw-1"}), "private subnets route straight to an internet gateway",
     {}),
    ("s3-lifecycle-retention-floor", lambda: _lifecycle("logs", 365.0), lambda: _lifecycle("logs", 90.0),
     "expires logs objects after 90 days", {}),
    ("s3-lifecycle-retention-floor", lambda: _lifecycle("confidential", 2555.0),
     lambda: _lifecycle("confidential", 2555.0, noncurrent=1.0), "expires old versions after 1 days", {}),
]


# --- the policies the property map showed missing (policies/elite_policies/coverage.py) -------------

PROVIDER, CF = "pulumi:providers:aws", "aws:cloudfront/distribution:Distribution"
S3_ORIGINS = [{"originId": "assets", "domainName": "a.s3.us-east-1.amazonaws.com", "originAccessControlId": "o"},
              {"originId": "replica", "domainName": "r.s3.us-west-2.amazonaws.com", "originAccessControlId": "o"}]
FAILOVER = {"origins": S3_ORIGINS, "originGroups": [{"originId": "g", "members": [{"originId": "assets"},
                                                                                 {"originId": "replica"}]}],
            "orderedCacheBehaviors": [{"pathPattern": "/static/*", "targetOriginId": "g"}]}
PINNED = _doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
               "Condition": {"StringEquals": {"aws:PrincipalAccount": HOME}}})
INTERFACE = {"vpcEndpointType": "Interface", "privateDnsEnabled": True, "securityGroupIds": ["sg-1"], "policy": PINNED}
OPENSEARCH_DELIVERY = {"vpcConfig": {"subnetIds": ["s"]}, "s3BackupMode": "FailedDocumentsOnly",
                       "s3Configuration": {"kmsKeyArn": "arn:k"}, "cloudwatchLoggingOptions": {"enabled": True}}
REPLICATION_RULE = {"id": "r", "destination": {"encryptionConfiguration": {"replicaKmsKeyId": "arn:k"}},
                    "sourceSelectionCriteria": {"sseKmsEncryptedObjects": {"status": "Enabled"}}}

RESOURCE_CASES += [
    ("aws-provider-safe", PROVIDER, {"region": "us-east-1", "allowedAccountIds": [HOME]},
     {"region": "us-east-1", "accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": "s"}, "static credential accessKey", {}),
    ("aws-provider-safe", PROVIDER, {"region": "us-east-1"}, {"region": "us-east-1", "insecure": "true"},
     "insecure true", {}),
    ("aws-provider-safe", PROVIDER, {"allowedAccountIds": [HOME]}, {"region": "us-east-1"}, "no allowedAccountIds",
     {"requireAllowedAccounts": True}),
    ("acm-certificate-validated-by-dns", "aws:acm/certificate:Certificate", {"validationMethod": "DNS"},
     {"validationMethod": "EMAIL"}, "validationMethod EMAIL", {}),
    ("cloudfront-s3-origin-failover", CF, FAILOVER,
     {**FAILOVER, "orderedCacheBehaviors": [{"pathPattern": "/static/*", "targetOriginId": "assets"}]},
     "behaviour /static/* reads one bucket", {}),
    ("cloudfront-oac-signs-requests", "aws:cloudfront/originAccessControl:OriginAccessControl",
     {"signingBehavior": "always", "signingProtocol": "sigv4"},
     {"signingBehavior": "no-override", "signingProtocol": "sigv4"}, "signingBehavior no-override", {}),
    ("vpc-endpoint-policy-scoped", "aws:ec2/vpcEndpoint:VpcEndpoint", INTERFACE,
     {**INTERFACE, "policy": None}, "no endpoint policy", {}),
    ("vpc-endpoint-policy-scoped", "aws:ec2/vpcEndpoint:VpcEndpoint", INTERFACE,
     {**INTERFACE, "policy": _doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})},
     "allows any account", {}),
    ("elasticache-final-snapshot", "aws:elasticache/replicationGroup:ReplicationGroup",
     {"finalSnapshotIdentifier": "final"}, {}, "no final snapshot", {}),
    ("data-stores-own-security-groups", RDS, {"vpcSecurityGroupIds": ["sg-1"]}, {"vpcSecurityGroupIds": []},
     "vpcSecurityGroupIds empty", {}),
    ("iam-oidc-provider-scoped", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
     {"url": f"https://{GITHUB}", "clientIdLists": ["sts.amazonaws.com"]},
     {"url": f"https://{GITHUB}", "clientIdLists": ["sts.amazonaws.com", "other"]}, "audiences", {}),
    ("alb-waf-fail-closed", "aws:lb/loadBalancer:LoadBalancer", {"enableWafFailOpen": False},
     {"enableWafFailOpen": True}, "WAF fails open", {}),
    ("s3-bucket-owner-enforced", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
     {"rule": {"objectOwnership": "BucketOwnerEnforced"}}, {"rule": {"objectOwnership": "ObjectWriter"}},
     "objectOwnership ObjectWriter", {}),
    ("s3-replication-encrypted", "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
     {"rules": [REPLICATION_RULE]},
     {"rules": [{**REPLICATION_RULE, "destination": {}}]}, "writes replicas without a key", {}),
    ("firehose-delivery-vpc-and-backup", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
     {"opensearchConfiguration": OPENSEARCH_DELIVERY},
     {"opensearchConfiguration": {**OPENSEARCH_DELIVERY, "vpcConfig": None}}, "over the public endpoint", {}),
    ("waf-logging-keeps-every-request", "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
     {"loggingFilter": {"defaultBehavior": "KEEP"}}, {"loggingFilter": {"defaultBehavior": "DROP"}},
     "drops requests by default", {}),
    ("unreviewed-features-absent", SERVICE, {"enableExecuteCommand": False}, {"enableExecuteCommand": True},
     "enableExecuteCommand: an interactive shell", {}),
    ("unreviewed-features-absent", "aws:s3/bucket:Bucket", {"bucket": "b"},
     {"bucket": "b", "website": {"indexDocument": "index.html"}}, "website: static website hosting", {}),
]


def _tiered_routes(tier: str) -> list:
    subnet = resource("aws:ec2/subnet:Subnet", "s", {"tags": {"Tier": tier}})
    table = resource("aws:ec2/routeTable:RouteTable", "rt", {})
    association = resource("aws:ec2/routeTableAssociation:RouteTableAssociation", "a", {},
                           property_dependencies={"subnetId": [subnet], "routeTableId": [table]})
    propagation = resource("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation", "vpn",
                           {"routeTableId": "rtb"}, property_dependencies={"routeTableId": [table]})
    return [subnet, table, association, propagation]


def _subnet_group(tier: str) -> list:
    subnet = resource("aws:ec2/subnet:Subnet", "s", {"tags": {"Tier": tier}})
    return [subnet, resource("aws:rds/subnetGroup:SubnetGroup", "g", {"subnetIds": ["subnet-1"]},
                             property_dependencies={"subnetIds": [subnet]})]


def _database(generated: bool) -> list:
    password = resource("random:index/randomPassword:RandomPassword", "pw", {"length": 32.0})
    return [password, resource(RDS, "db", {"password": "x"},
                               property_dependencies={"password": [password] if generated else []})]


def _record(owned: bool) -> list:
    bucket = resource("aws:s3/bucket:Bucket", "site", {})
    target = ["site.s3-website-us-east-1.amazonaws.com"]
    return [bucket, resource("aws:route53/record:Record", "www", {"type": "CNAME", "records": target},
                             property_dependencies={"records": [bucket] if owned else []})]


STACK_CASES += [
    ("vpn-routes-only-to-private-tier", lambda: _tiered_routes("private"), lambda: _tiered_routes("isolated"),
     "VPN routes reach the isolated tier", {}),
    ("data-subnets-isolated", lambda: _subnet_group("isolated"), lambda: _subnet_group("public"),
     "includes a public subnet", {}),
    ("rds-password-generated", lambda: _database(True), lambda: _database(False), "password not generated", {}),
    ("route53-no-dangling-records", lambda: _record(True), lambda: _record(False),
     "which no resource of the stack owns", {}),
]
