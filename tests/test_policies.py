"""Every policy: at least one compliant and one violating case; unknowns never flag or crash;
thresholds differ between the stacks' policy config files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from elite_policies import ALL_POLICIES
from elite_policies._framework import FAMILIES
from elite_policies.testing import UNKNOWN, policy, resource, stack_config, violations

from tests import account_cases, breakage_cases, depth_cases

RDS, REDIS = "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"
LISTENER, LB = "aws:lb/listener:Listener", "aws:lb/loadBalancer:LoadBalancer"
CF = "aws:cloudfront/distribution:Distribution"
OS, TASK = "aws:opensearch/domain:Domain", "aws:ecs/taskDefinition:TaskDefinition"
GOOD_RDS = {"storageEncrypted": True, "kmsKeyId": "arn:k", "multiAz": True, "backupRetentionPeriod": 30.0,
            "skipFinalSnapshot": False, "finalSnapshotIdentifier": "f", "deletionProtection": True,
            "publiclyAccessible": False, "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": "arn:k"}
GOOD_REDIS = {"atRestEncryptionEnabled": True, "kmsKeyId": "arn:k", "transitEncryptionEnabled": True,
              "transitEncryptionMode": "required", "authToken": "t", "automaticFailoverEnabled": True,
              "multiAzEnabled": True, "numCacheClusters": 3.0, "snapshotRetentionLimit": 7.0}
GOOD_OS = {"encryptAtRest": {"enabled": True}, "nodeToNodeEncryption": {"enabled": True},
           "clusterConfig": {"zoneAwarenessEnabled": True, "instanceCount": 3.0},
           "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
           "vpcOptions": {"subnetIds": ["s"]}, "advancedSecurityOptions": {"enabled": True},
           "accessPolicies": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:r"}}]})}
GOOD_CF = {"aliases": ["www.x.com"], "webAclId": "arn:acl",
           "viewerCertificate": {"acmCertificateArn": "arn:c", "sslSupportMethod": "sni-only",
                                 "minimumProtocolVersion": "TLSv1.2_2025"},
           "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
           "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}],
           "origins": [{"originId": "alb", "customOriginConfig": {"originProtocolPolicy": "https-only",
                                                                  "originSslProtocols": ["TLSv1.2"]}}]}
GOOD_LB = {"loadBalancerType": "application", "subnets": ["a", "b", "c"], "dropInvalidHeaderFields": True,
           "accessLogs": {"enabled": True}, "enableDeletionProtection": True}
CONTAINERS = [{"name": "api", "readonlyRootFilesystem": True,
               "environment": [{"name": "DB_HOST", "value": "db.internal"}],
               "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:::parameter/x"}]}]
POLICY, SERVICE = "aws:iam/rolePolicy:RolePolicy", "aws:ecs/service:Service"
SCALING = "aws:appautoscaling/target:Target"
WAF_COMMON = {"name": "AWSManagedRulesCommonRuleSet", "priority": 1.0, "overrideAction": {"none": {}},
              "statement": {"managedRuleGroupStatement": {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"}},
              "visibilityConfig": {"cloudwatchMetricsEnabled": True}}
WAF_RATE = {"name": "RateLimitRule", "priority": 2.0, "action": {"block": {}},
            "statement": {"rateBasedStatement": {"limit": 2000.0}},
            "visibilityConfig": {"cloudwatchMetricsEnabled": True}}
TAGS = {"Project": "p", "Environment": "e", "ManagedBy": "Pulumi", "Owner": "o", "CostCenter": "c"}


def _with(base: dict, **changes: Any) -> dict:
    return {**base, **changes}


def _task(**container: Any) -> dict:
    return {"containerDefinitions": json.dumps([{**CONTAINERS[0], **container}])}


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# (policy, resource type, compliant props, violating props, expected fragment, config)
RESOURCE_CASES: list[tuple[str, str, dict, dict, str, dict]] = [
    ("rds-storage-encrypted", RDS, GOOD_RDS, _with(GOOD_RDS, storageEncrypted=False), "storageEncrypted", {}),
    ("rds-storage-encrypted", RDS, GOOD_RDS, _with(GOOD_RDS, kmsKeyId=None), "no kmsKeyId", {}),
    ("rds-cross-region-replica-encrypted", RDS, {"replicateSourceDb": "arn:aws:rds:x", "kmsKeyId": "arn:k"},
     {"replicateSourceDb": "arn:aws:rds:x"}, "cross-region replica", {}),
    ("rds-performance-insights-encrypted", RDS, GOOD_RDS, _with(GOOD_RDS, performanceInsightsKmsKeyId=None),
     "performanceInsightsKmsKeyId", {}),
    ("elasticache-at-rest-encrypted", REDIS, GOOD_REDIS, _with(GOOD_REDIS, atRestEncryptionEnabled=False),
     "atRestEncryptionEnabled", {}),
    ("elasticache-in-transit-encrypted", REDIS, GOOD_REDIS, _with(GOOD_REDIS, transitEncryptionMode="preferred"),
     "preferred", {}),
    ("elasticache-auth-enabled", REDIS, GOOD_REDIS, _with(GOOD_REDIS, authToken=None), "authToken", {}),
    ("sns-topic-encrypted", "aws:sns/topic:Topic", {"kmsMasterKeyId": "arn:k"}, {}, "kmsMasterKeyId", {}),
    ("cloudwatch-log-group-encrypted", "aws:cloudwatch/logGroup:LogGroup", {"kmsKeyId": "arn:k"}, {}, "kmsKeyId", {}),
    ("opensearch-encrypted-at-rest", OS, GOOD_OS, _with(GOOD_OS, encryptAtRest={"enabled": False}),
     "encryptAtRest", {}),
    ("opensearch-node-to-node-encryption", OS, GOOD_OS, _with(GOOD_OS, nodeToNodeEncryption={}), "nodeToNode", {}),
    ("firehose-delivery-stream-encrypted", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
     {"serverSideEncryption": {"enabled": True}}, {}, "serverSideEncryption", {}),
    ("ecr-repository-kms-encrypted", "aws:ecr/repository:Repository",
     {"encryptionConfigurations": [{"encryptionType": "KMS"}]}, {}, "AES256", {}),
    ("ssm-secret-parameter-secure-string", "aws:ssm/parameter:Parameter",
     {"name": "/app/jwt-secret", "type": "SecureString", "keyId": "arn:k"},
     {"name": "/app/jwt-secret", "type": "String"}, "/app/jwt-secret is String", {}),
    ("kms-key-rotation-enabled", "aws:kms/key:Key", {"enableKeyRotation": True}, {}, "enableKeyRotation", {}),
    ("rds-multi-az", RDS, GOOD_RDS, _with(GOOD_RDS, multiAz=False), "multiAz", {}),
    ("elasticache-multi-az-failover", REDIS, GOOD_REDIS, _with(GOOD_REDIS, numCacheClusters=1.0), "1 nodes < 2", {}),
    ("elasticache-multi-az-failover", REDIS, GOOD_REDIS, _with(GOOD_REDIS, multiAzEnabled=False), "multiAzEnabled", {}),
    ("opensearch-zone-awareness", OS, GOOD_OS, _with(GOOD_OS, clusterConfig={"instanceCount": 1.0}),
     "zoneAwarenessEnabled", {}),
    ("alb-multi-az", LB, GOOD_LB, _with(GOOD_LB, subnets=["a", "b"]), "2 subnet(s)", {"minZones": 3}),
    ("ecs-service-minimum-tasks", "aws:ecs/service:Service", {"desiredCount": 2.0}, {"desiredCount": 1.0},
     "desiredCount 1", {"minTasks": 2}),
    ("route53-primary-failover-health-checked", "aws:route53/record:Record",
     {"name": "api.x.com", "failoverRoutingPolicies": [{"type": "PRIMARY"}], "healthCheckId": "hc-1",
      "aliases": [{"name": "alb", "zoneId": "Z", "evaluateTargetHealth": False}]},
     {"name": "api.x.com", "failoverRoutingPolicies": [{"type": "PRIMARY"}],
      "aliases": [{"name": "alb", "zoneId": "Z", "evaluateTargetHealth": False}]},
     "without a health check", {}),
    ("alb-https-listener-tls12", LISTENER,
     {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"},
     {"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}, "ELBSecurityPolicy-2016-08", {}),
    ("alb-http-listener-redirects-to-https", LISTENER,
     {"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS"}}]},
     {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}, "not a redirect", {}),
    ("cloudfront-viewer-tls12", CF, GOOD_CF,
     _with(GOOD_CF, viewerCertificate={"minimumProtocolVersion": "TLSv1.2_2019"}), "TLSv1.2_2019", {}),
    ("cloudfront-viewer-https-only", CF, GOOD_CF,
     _with(GOOD_CF, defaultCacheBehavior={"viewerProtocolPolicy": "allow-all"}), "default allows HTTP", {}),
    ("cloudfront-custom-certificate", CF, GOOD_CF,
     _with(GOOD_CF, viewerCertificate={"cloudfrontDefaultCertificate": True}), "default certificate", {}),
    ("cloudfront-origin-tls12", CF, GOOD_CF,
     _with(GOOD_CF, origins=[{"originId": "alb", "customOriginConfig": {
         "originProtocolPolicy": "match-viewer", "originSslProtocols": ["TLSv1", "TLSv1.2"]}}]), "match-viewer", {}),
    ("opensearch-https-tls12", OS, GOOD_OS,
     _with(GOOD_OS, domainEndpointOptions={"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}),
     "Policy-Min-TLS-1-0", {}),
    ("rds-requires-secure-transport", "aws:rds/parameterGroup:ParameterGroup",
     {"family": "mysql8.4", "parameters": [{"name": "require_secure_transport", "value": "1"}]},
     {"family": "mysql8.4", "parameters": []}, "require_secure_transport", {}),
    ("rds-backup-retention", RDS, GOOD_RDS, _with(GOOD_RDS, backupRetentionPeriod=7.0), "7 days < 30",
     {"minimumDays": 30}),
    ("rds-final-snapshot", RDS, GOOD_RDS, _with(GOOD_RDS, skipFinalSnapshot=True), "skipFinalSnapshot", {}),
    ("rds-deletion-protection", RDS, GOOD_RDS, _with(GOOD_RDS, deletionProtection=False), "deletionProtection", {}),
    ("elasticache-snapshot-retention", REDIS, GOOD_REDIS, _with(GOOD_REDIS, snapshotRetentionLimit=0.0), "0 days",
     {"minimumDays": 7}),
    ("s3-no-public-acl", "aws:s3/bucketAcl:BucketAcl", {"acl": "private"}, {"acl": "public-read"}, "public-read", {}),
    ("s3-public-access-block-on", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
     {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     {"blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True, "restrictPublicBuckets": True},
     "blockPublicPolicy", {}),
    ("s3-bucket-policy-not-public", "aws:s3/bucketPolicy:BucketPolicy",
     {"policy": _doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}})},
     {"policy": _doc({"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"})},
     "PublicReadGetObject", {}),
    ("s3-bucket-policy-not-public", "aws:s3/bucketPolicy:BucketPolicy",
     {"policy": _doc({"Sid": "Oac", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                      "Action": "s3:GetObject", "Condition": {"StringEquals": {"AWS:SourceArn": "arn:d"}}})},
     {"policy": _doc({"Sid": "TlsButPublic", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                      "Condition": {"Bool": {"aws:SecureTransport": "true"}}})}, "TlsButPublic", {}),
    ("rds-not-publicly-accessible", RDS, GOOD_RDS, _with(GOOD_RDS, publiclyAccessible=True), "publiclyAccessible", {}),
    ("ecs-no-secrets-in-environment", TASK, _task(),
     _task(environment=[{"name": "DB_PASSWORD", "value": "hunter2"}]), "DB_PASSWORD in environment", {}),
    ("ecs-no-secrets-in-environment", TASK, _task(),
     _task(environment=[{"name": "PAYMENTS", "value": "sk_live_abc"}]), "secret-looking value", {}),
    ("iam-no-star-on-star", "aws:iam/rolePolicy:RolePolicy",
     {"policy": _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})},
     {"policy": _doc({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})}, "Admin", {}),
    ("required-tags", "aws:ec2/vpc:Vpc", {"tags": TAGS}, {"tags": {"Project": "p"}}, "missing Environment", {}),
    ("alb-drops-invalid-headers", LB, GOOD_LB, _with(GOOD_LB, dropInvalidHeaderFields=False), "dropInvalid", {}),
    ("alb-access-logs", LB, GOOD_LB, _with(GOOD_LB, accessLogs={"enabled": False}), "access logs off", {}),
    ("alb-deletion-protection", LB, GOOD_LB, _with(GOOD_LB, enableDeletionProtection=False),
     "enableDeletionProtection", {"required": True}),
    ("cloudfront-waf-attached", CF, GOOD_CF, _with(GOOD_CF, webAclId=None), "no webAclId", {}),
    ("waf-rate-limit-rule", "aws:wafv2/webAcl:WebAcl",
     {"rules": [{"action": {"block": {}}, "statement": {"rateBasedStatement": {"limit": 2000.0}}}]},
     {"rules": [{"action": {"block": {}}, "statement": {"rateBasedStatement": {"limit": 50000.0}}}]},
     "no blocking rate-based rule", {}),
    ("default-security-group-closed", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", {"ingress": []},
     {"ingress": [{"fromPort": 0.0, "toPort": 0.0, "protocol": "-1", "self": True}]}, "has rules", {}),
    ("subnet-no-auto-public-ip", "aws:ec2/subnet:Subnet", {"mapPublicIpOnLaunch": False},
     {"mapPublicIpOnLaunch": True}, "mapPublicIpOnLaunch", {}),
    ("ecs-service-no-public-ip", "aws:ecs/service:Service", {"networkConfiguration": {"assignPublicIp": False}},
     {"networkConfiguration": {"assignPublicIp": True}}, "assignPublicIp", {}),
    ("ecs-container-insights", "aws:ecs/cluster:Cluster",
     {"settings": [{"name": "containerInsights", "value": "enabled"}]}, {"settings": []}, "Container Insights", {}),
    ("ecs-read-only-root-filesystem", TASK, _task(), _task(readonlyRootFilesystem=False), "writable root", {}),
    ("ecr-scan-on-push-and-immutable-tags", "aws:ecr/repository:Repository",
     {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "IMMUTABLE"},
     {"imageScanningConfiguration": {"scanOnPush": True}, "imageTagMutability": "MUTABLE"}, "MUTABLE", {}),
    ("opensearch-private-with-access-control", OS, GOOD_OS,
     _with(GOOD_OS, accessPolicies=_doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*"})),
     "allows everyone", {}),
    ("cloudwatch-log-retention", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 365.0},
     {"retentionInDays": 14.0}, "14 days", {"minimumDays": 365}),
    ("cloudwatch-log-retention", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 30.0}, {},
     "unlimited", {}),
    ("iam-role-permissions-boundary", "aws:iam/role:Role",
     {"path": "/elite-locadora/staging/",
      "permissionsBoundary": "arn:aws:iam::1:policy/elite-locadora/elite-locadora-workload-boundary"},
     {"path": "/elite-locadora/staging/"}, "permissionsBoundary missing", {}),
    ("iam-role-permissions-boundary", "aws:iam/role:Role",
     {"name": "elite-locadora-deploy-staging"}, {"name": "elite-locadora-deploy-other"}, "permissionsBoundary missing",
     {"exemptions": {"elite-locadora-deploy-staging": "pipeline role: creates roles only with the boundary"}}),
    # --- privilege -------------------------------------------------------------------------------
    ("iam-no-wildcard-actions-or-resources", POLICY,
     {"policy": _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                     {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                     {"Effect": "Deny", "Action": "s3:*", "Resource": "*"})},
     {"policy": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"})}, "allows s3:*", {}),
    ("iam-no-wildcard-actions-or-resources", POLICY,
     {"policy": _doc({"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "arn:aws:ssm:r:a:parameter/x"})},
     {"policy": _doc({"Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": "*"})},
     "ssm:GetParameters on '*'", {}),
    ("iam-no-passrole-on-star", POLICY,
     {"policy": _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/x"})},
     {"policy": _doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})}, "passes any role", {}),
    ("iam-no-privileged-managed-policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
     {"role": "task", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     {"role": "task", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, "AdministratorAccess", {}),
    ("iam-no-privileged-managed-policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
     {"role": "deployer", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
     {"role": "task", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}, "PowerUserAccess",
     {"exemptRoles": {"deployer": "pipeline role"}}),
    ("iam-managed-policy-no-kms-decrypt-all", "aws:iam/policy:Policy",
     {"policy": _doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                      "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}})},
     {"policy": _doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:1:key/*"})},
     "decrypts with every key", {}),
    ("iam-inline-policy-no-kms-decrypt-all", POLICY,
     {"policy": _doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:us-east-1:1:key/k"})},
     {"policy": _doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})}, "decrypts with every key", {}),
    ("kms-key-policy-not-public", "aws:kms/key:Key",
     {"policy": _doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                      "Condition": {"StringEquals": {"aws:PrincipalAccount": "1"}}})},
     {"policy": _doc({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"})}, "allows everyone", {}),
    ("sns-topic-policy-not-public", "aws:sns/topicPolicy:TopicPolicy",
     {"policy": _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "sns:Publish"})},
     {"policy": _doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                      "Condition": {"Bool": {"aws:SecureTransport": "true"}}})}, "allows everyone", {}),
    ("ecr-repository-policy-not-public", "aws:ecr/repositoryPolicy:RepositoryPolicy",
     {"policy": _doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
                      "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}})},
     {"policy": _doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"})}, "allows everyone", {}),
    ("service-principal-statements-pinned", "aws:kms/key:Key",
     {"policy": _doc({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:Decrypt",
                      "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}})},
     {"policy": _doc({"Effect": "Allow", "Principal": {"Service": "events.rds.amazonaws.com"},
                      "Action": "kms:Decrypt"})}, "act for any account", {}),
    # --- hardening -------------------------------------------------------------------------------
    ("ecs-task-no-host-network", TASK, {**_task(), "networkMode": "awsvpc"}, {**_task(), "networkMode": "host"},
     "networkMode host", {}),
    ("ecs-task-no-host-namespaces", TASK, {**_task(), "pidMode": "task"}, {**_task(), "ipcMode": "host"},
     "ipcMode host", {}),
    ("ecs-container-not-privileged", TASK, _task(privileged=False), _task(privileged=True), "api is privileged", {}),
    ("ecs-container-logging", TASK, _task(logConfiguration={"logDriver": "awslogs"}), _task(),
     "api has no log driver", {}),
    ("ecs-fargate-latest-platform", SERVICE, {"platformVersion": "LATEST"}, {"platformVersion": "1.3.0"},
     "platformVersion 1.3.0", {}),
    ("ecs-deployment-circuit-breaker", SERVICE, {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
     {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}, "circuit breaker", {}),
    ("ecs-autoscaling-minimum-tasks", SCALING, {"scalableDimension": "ecs:service:DesiredCount", "minCapacity": 2.0},
     {"scalableDimension": "ecs:service:DesiredCount", "minCapacity": 1.0}, "minCapacity 1", {"minTasks": 2}),
    ("rds-enhanced-monitoring", RDS, {"monitoringInterval": 60.0}, {"monitoringInterval": 0.0},
     "monitoringInterval 0", {}),
    ("rds-log-exports", RDS, {"enabledCloudwatchLogsExports": ["error", "slowquery"]},
     {"enabledCloudwatchLogsExports": ["error"]}, "not exporting slowquery", {}),
    ("rds-iam-authentication", RDS, {"iamDatabaseAuthenticationEnabled": True}, {}, "IAM authentication off", {}),
    ("rds-auto-minor-version-upgrade", RDS, {"autoMinorVersionUpgrade": True}, {"autoMinorVersionUpgrade": False},
     "autoMinorVersionUpgrade off", {}),
    ("rds-copy-tags-to-snapshot", RDS, {"copyTagsToSnapshot": True}, {}, "copyTagsToSnapshot", {}),
    ("rds-in-vpc-subnets", RDS, {"dbSubnetGroupName": "data"}, {"engine": "mysql"}, "no dbSubnetGroupName", {}),
    ("rds-in-vpc-subnets", RDS, {"replicateSourceDb": "elite-mysql"},
     {"replicateSourceDb": "arn:aws:rds:us-east-1:1:db:elite-mysql"}, "no dbSubnetGroupName", {}),
    ("rds-custom-admin-username", RDS, {"username": "elite_admin"}, {"username": "admin"}, "username admin", {}),
    ("opensearch-fine-grained-access-control", OS, GOOD_OS, _with(GOOD_OS, advancedSecurityOptions={"enabled": False}),
     "fine-grained access control off", {}),
    ("opensearch-error-logging", OS, {"logPublishingOptions": [{"logType": "ES_APPLICATION_LOGS",
                                                                "cloudwatchLogGroupArn": "arn:l", "enabled": True}]},
     {"logPublishingOptions": [{"logType": "ES_APPLICATION_LOGS", "cloudwatchLogGroupArn": "arn:l",
                                "enabled": False}]}, "no ES_APPLICATION_LOGS", {}),
    ("opensearch-audit-logging", OS,
     {"logPublishingOptions": [{"logType": "AUDIT_LOGS", "cloudwatchLogGroupArn": "a"}]},
     {"logPublishingOptions": [{"logType": "SEARCH_SLOW_LOGS", "cloudwatchLogGroupArn": "a"}]}, "no AUDIT_LOGS", {}),
    ("opensearch-dedicated-masters", OS,
     {"clusterConfig": {"dedicatedMasterEnabled": True, "dedicatedMasterCount": 3.0}},
     {"clusterConfig": {"dedicatedMasterEnabled": False}}, "0 dedicated masters", {"required": True}),
    ("opensearch-auto-software-update", OS, {"softwareUpdateOptions": {"autoSoftwareUpdateEnabled": True}}, {},
     "automatic software updates off", {}),
    ("elasticache-auto-minor-version-upgrade", REDIS, {"autoMinorVersionUpgrade": True},
     {"autoMinorVersionUpgrade": False}, "autoMinorVersionUpgrade off", {}),
    ("elasticache-custom-subnet-group", REDIS, {"subnetGroupName": "data-redis"}, {"subnetGroupName": "default"},
     "subnetGroupName default", {}),
    ("alb-desync-mitigation", LB, {"desyncMitigationMode": "defensive"}, {"desyncMitigationMode": "monitor"},
     "desyncMitigationMode monitor", {}),
    ("cloudfront-default-root-object", CF, {"defaultRootObject": "index.html"}, {}, "no defaultRootObject", {}),
    ("cloudfront-s3-origin-access-control", CF,
     {"origins": [{"originId": "s3", "domainName": "b.s3.us-east-1.amazonaws.com", "originAccessControlId": "E1"}]},
     {"origins": [{"originId": "s3", "domainName": "b.s3.us-east-1.amazonaws.com"}]}, "s3 without OAC", {}),
    ("acm-certificate-key-length", "aws:acm/certificate:Certificate", {"keyAlgorithm": "RSA_2048"},
     {"keyAlgorithm": "RSA_1024"}, "keyAlgorithm RSA_1024", {}),
    ("kms-key-deletion-window", "aws:kms/key:Key", {"deletionWindowInDays": 30.0}, {"deletionWindowInDays": 7.0},
     "7-day deletion window", {}),
    ("waf-web-acl-has-rules", "aws:wafv2/webAcl:WebAcl", {"rules": [WAF_COMMON]}, {"rules": []}, "no rules", {}),
    ("waf-rule-metrics", "aws:wafv2/webAcl:WebAcl", {"rules": [WAF_COMMON]},
     {"rules": [{**WAF_COMMON, "visibilityConfig": {"cloudwatchMetricsEnabled": False}}]}, "without metrics", {}),
    ("waf-common-rule-set-first", "aws:wafv2/webAcl:WebAcl", {"rules": [WAF_COMMON, {**WAF_RATE, "priority": 2.0}]},
     {"rules": [{**WAF_COMMON, "priority": 3.0}, {**WAF_RATE, "priority": 1.0}]}, "priority 3", {}),
    ("waf-common-rule-set-first", "aws:wafv2/webAcl:WebAcl", {"rules": [WAF_COMMON]},
     {"rules": [{**WAF_COMMON, "overrideAction": {"count": {}}}]}, "only counts", {}),
    ("engine-version-current", RDS, {"engine": "mysql", "engineVersion": "8.4.7"},
     {"engine": "mysql", "engineVersion": "8.0.40"}, "mysql 8.0.40 below 8.4", {"mysql": "8.4"}),
    ("engine-version-current", REDIS, {"engine": "valkey", "engineVersion": "8.0"},
     {"engine": "redis", "engineVersion": "6.2"}, "redis 6.2 below 7.0", {}),
    ("engine-version-current", OS, {"engineVersion": "OpenSearch_2.19"}, {"engineVersion": "OpenSearch_1.3"},
     "below 2.11", {}),
]

BUCKET = "aws:s3/bucket:Bucket"


def _bucket_stack(*, sse: str | None = "aws:kms", versioning: str | None = "Enabled", block: bool = True,
                  policy: str | None = "tls", replicated: bool = False, classification: str = "confidential",
                  protect: bool = True) -> list:
    bucket = resource(BUCKET, "assets", {"tags": {"DataClassification": classification}}, protect=protect)
    link = {"bucket": [bucket]}
    parts = [bucket]
    if sse:
        parts.append(resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                              "sse", {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse}}]},
                              property_dependencies=link))
    if versioning:
        parts.append(resource("aws:s3/bucketVersioning:BucketVersioning", "v",
                              {"versioningConfiguration": {"status": versioning}}, property_dependencies=link))
    if block:
        parts.append(resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {},
                              property_dependencies=link))
    if policy:
        statement = ({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}} if policy == "tls"
                     else {"Effect": "Allow", "Principal": {"Service": "x"}, "Action": "s3:GetObject"})
        parts.append(resource("aws:s3/bucketPolicy:BucketPolicy", "policy", {"policy": _doc(statement)},
                              property_dependencies=link))
    if replicated:
        parts.append(resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "repl", {},
                              property_dependencies=link))
    return parts


def _network(zones: list[str], flow_log: bool = True) -> list:
    vpc = resource("aws:ec2/vpc:Vpc", "vpc", {})
    parts = [vpc] + [resource("aws:ec2/subnet:Subnet", f"s{i}", {"availabilityZone": z},
                              property_dependencies={"vpcId": [vpc]}) for i, z in enumerate(zones)]
    if flow_log:
        parts.append(resource("aws:ec2/flowLog:FlowLog", "fl", {}, property_dependencies={"vpcId": [vpc]}))
    return parts


def _linked(parts: list, token: str, props: dict | None = None) -> list:
    """A _bucket_stack plus a resource pointing at its bucket through `bucket`."""
    return [*parts, resource(token, token.rsplit(":", 1)[-1], props or {},
                             property_dependencies={"bucket": [parts[0]]})]


def _rds_events(source_type: str, categories: list[str]) -> list:
    return [resource(RDS, "db", {}), resource("aws:rds/eventSubscription:EventSubscription", "events",
                                              {"sourceType": source_type, "eventCategories": categories})]


def _cdn_origin(linked: bool) -> list:
    bucket = resource(BUCKET, "assets", {})
    origins = [{"originId": "s3", "domainName": "assets.s3.us-east-1.amazonaws.com"}]
    return [bucket, resource(CF, "cdn", {"origins": origins},
                             property_dependencies={"origins": [bucket] if linked else []})]


def _acl(logged: bool) -> list:
    acl = resource("aws:wafv2/webAcl:WebAcl", "acl", {})
    logging = resource("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "log", {},
                       property_dependencies={"resourceArn": [acl]})
    return [acl, logging] if logged else [acl]


def _repository(governed: bool) -> list:
    repository = resource("aws:ecr/repository:Repository", "repo", {})
    policy = resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lifecycle", {},
                      property_dependencies={"repository": [repository]})
    return [repository, policy] if governed else [repository]


def _edge(*, world_port: float = 443.0, on_lb: bool = True, waf: bool = True, logs: bool = True) -> list:
    group = resource("aws:ec2/securityGroup:SecurityGroup", "alb-sg", {})
    rule = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in",
                    {"cidrIpv4": "0.0.0.0/0", "fromPort": world_port, "toPort": world_port},
                    property_dependencies={"securityGroupId": [group]})
    lb = resource(LB, "alb", {"loadBalancerType": "application"},
                  property_dependencies={"securityGroups": [group] if on_lb else []})
    parts = [group, rule, lb]
    if waf:
        parts.append(resource("aws:wafv2/webAclAssociation:WebAclAssociation", "assoc", {},
                              property_dependencies={"resourceArn": [lb]}))
    distribution = resource(CF, "cdn", {})
    parts.append(distribution)
    if logs:
        source = resource("aws:cloudwatch/logDeliverySource:LogDeliverySource", "src", {},
                          property_dependencies={"resourceArn": [distribution]})
        parts += [source, resource("aws:cloudwatch/logDelivery:LogDelivery", "delivery", {},
                                   property_dependencies={"deliverySourceName": [source]})]
    return parts


# (policy, compliant stack, violating stack, expected fragment, config)
STACK_CASES: list[tuple[str, Any, Any, str, dict]] = [
    ("s3-bucket-encrypted-with-kms", lambda: _bucket_stack(), lambda: _bucket_stack(sse="AES256"),
     "SSE-S3 on a bucket classified 'confidential'", {}),
    ("s3-bucket-encrypted-with-kms", lambda: _bucket_stack(sse="AES256", classification="logs"),
     lambda: _bucket_stack(sse=None), "no server-side encryption", {}),
    ("vpc-spans-multiple-azs", lambda: _network(["a", "b", "c"]), lambda: _network(["a", "a", "b"]),
     "subnets in 2 zone(s)", {"minZones": 3}),
    ("vpc-spans-multiple-azs", lambda: [resource("awsx:ec2:Vpc", "v", {"numberOfAvailabilityZones": 3.0})],
     lambda: [resource("awsx:ec2:Vpc", "v", {"availabilityZoneNames": ["us-east-1a"]})], "awsx VPC over 1", {}),
    ("s3-bucket-tls-only", lambda: _bucket_stack(), lambda: _bucket_stack(policy="grant"),
     "does not deny aws:SecureTransport", {}),
    ("s3-bucket-tls-only", lambda: _bucket_stack(), lambda: _bucket_stack(policy=None), "no bucket policy", {}),
    ("s3-bucket-versioning", lambda: _bucket_stack(), lambda: _bucket_stack(versioning="Suspended"),
     "versioning Suspended", {}),
    ("s3-bucket-cross-region-replication", lambda: _bucket_stack(replicated=True), lambda: _bucket_stack(),
     "not replicated", {"required": True}),
    ("stateful-resources-protected", lambda: _bucket_stack(), lambda: _bucket_stack(protect=False),
     "not protected", {"required": True}),
    # An acknowledged replacement may run unprotected; the acknowledgement covers that one name only.
    ("stateful-resources-protected", lambda: _bucket_stack(protect=False),
     lambda: [*_bucket_stack(protect=False), resource(BUCKET, "documents", {}, protect=False)],
     "not protected", {"required": True, "allowReplace": {"assets": "re-keyed with the new data key, runbook 7"}}),
    ("s3-bucket-has-public-access-block", lambda: _bucket_stack(), lambda: _bucket_stack(block=False),
     "no public access block", {}),
    ("no-world-open-ingress", lambda: _edge(), lambda: _edge(world_port=22.0),
     "world ingress on ports (22.0, 22.0)", {}),
    ("no-world-open-ingress", lambda: _edge(), lambda: _edge(on_lb=False), "world ingress", {}),
    ("alb-waf-associated", lambda: _edge(), lambda: _edge(waf=False), "no web ACL association", {}),
    ("cloudfront-access-logging", lambda: _edge(), lambda: _edge(logs=False), "no access logs", {}),
    ("vpc-flow-logs-enabled", lambda: _network(["a", "b"]), lambda: _network(["a", "b"], flow_log=False),
     "no flow log", {}),
    ("cloudfront-access-logging", lambda: _edge(), lambda: _edge()[:-1], "no access logs", {}),
    ("rds-instance-event-subscription", lambda: _rds_events("db-instance", ["failure", "maintenance",
                                                                           "configuration change", "failover"]),
     lambda: _rds_events("db-instance", ["failure"]), "no db-instance subscription", {}),
    ("rds-parameter-group-event-subscription", lambda: _rds_events("db-parameter-group", []),
     lambda: _rds_events("db-instance", []), "no db-parameter-group subscription", {}),
    ("cloudfront-s3-origin-exists", lambda: _cdn_origin(linked=True), lambda: _cdn_origin(linked=False),
     "1 S3 origin(s), 0 bucket(s)", {}),
    ("waf-logging-configured", lambda: _acl(logged=True), lambda: _acl(logged=False), "no logging configuration", {}),
    ("ecr-lifecycle-policy", lambda: _repository(True), lambda: _repository(False), "no lifecycle policy", {}),
    ("s3-bucket-access-logging", lambda: _linked(_bucket_stack(), "aws:s3/bucketLogging:BucketLogging"),
     lambda: _bucket_stack(), "no access logging", {}),
    ("s3-bucket-access-logging", lambda: _bucket_stack(classification="logs"),
     lambda: _bucket_stack(classification="public"), "no access logging", {}),
    ("s3-bucket-lifecycle", lambda: _linked(
        _bucket_stack(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        {"rules": [{"abortIncompleteMultipartUpload": {"daysAfterInitiation": 7.0}}]}),
     lambda: _linked(_bucket_stack(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                     {"rules": [{"expiration": {"days": 30.0}}]}), "no lifecycle rule", {}),
    ("stack-monthly-budget",
     lambda: [resource(RDS, "db", {"instanceClass": "db.t4g.medium", "allocatedStorage": 20.0})],
     lambda: [resource(RDS, "db", {"instanceClass": "db.r6g.2xlarge", "allocatedStorage": 20.0})],
     "budget 100.00", {"maxMonthlyUsd": 100}),
]


RESOURCE_CASES += depth_cases.RESOURCE_CASES
STACK_CASES += depth_cases.STACK_CASES
RESOURCE_CASES += account_cases.RESOURCE_CASES
STACK_CASES += account_cases.STACK_CASES
RESOURCE_CASES += breakage_cases.RESOURCE_CASES
STACK_CASES += breakage_cases.STACK_CASES
TYPE_CASES = breakage_cases.TYPE_CASES


def test_pack_is_big_enough_and_every_policy_is_well_formed() -> None:
    assert len(ALL_POLICIES) >= 35
    names = [p.name for p in ALL_POLICIES]
    assert len(names) == len(set(names)), "policy names must be unique"
    for p in ALL_POLICIES:
        assert p.name == p.name.lower() and " " not in p.name, p.name
        assert p.description.startswith("Checks whether"), p.name
        assert p.enforcement_level is not None and p.severity is not None, p.name
        assert p.tags and p.tags[0] in FAMILIES, p.name
        assert p.remediation_steps, f"{p.name}: the violation message must say how to fix it"


def test_every_policy_has_a_compliant_and_a_violating_case() -> None:
    covered = {c[0] for c in RESOURCE_CASES} | {c[0] for c in STACK_CASES} | {c[0] for c in TYPE_CASES}
    assert covered == {p.name for p in ALL_POLICIES}, {p.name for p in ALL_POLICIES} - covered


@pytest.mark.parametrize(("name", "resource_type", "good", "bad", "fragment", "config"), RESOURCE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(RESOURCE_CASES)])
def test_resource_policy(name: str, resource_type: str, good: dict, bad: dict, fragment: str, config: dict) -> None:
    target = policy(name)
    assert violations(target, good, resource_type=resource_type, config=config) == [], f"{name} flags compliant props"
    found = violations(target, bad, resource_type=resource_type, config=config)
    assert found and any(fragment in v for v in found), f"{name}: {found}"
    assert violations(target, bad, resource_type="aws:other/thing:Thing", config=config) == [], \
        f"{name} judges a type it is not about"


@pytest.mark.parametrize(("name", "good_type", "bad_type", "fragment", "config"), TYPE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TYPE_CASES)])
def test_type_policy(name: str, good_type: str, bad_type: str, fragment: str, config: dict) -> None:
    """Policies whose finding is the resource's type itself (props do not matter)."""
    target = policy(name)
    assert violations(target, {}, resource_type=good_type, config=config) == [], f"{name} flags {good_type}"
    found = violations(target, {"tags": UNKNOWN}, resource_type=bad_type, config=config)
    assert found and any(fragment in v for v in found), f"{name}: {found}"


@pytest.mark.parametrize(("name", "good", "bad", "fragment", "config"), STACK_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(STACK_CASES)])
def test_stack_policy(name: str, good: Any, bad: Any, fragment: str, config: dict) -> None:
    target = policy(name)
    assert violations(target, resources=good(), config=config) == [], f"{name} flags a compliant stack"
    found = violations(target, resources=bad(), config=config)
    assert found and any(fragment in v for v in found), f"{name}: {found}"


@pytest.mark.parametrize(("name", "resource_type", "good", "bad"), [c[:4] for c in RESOURCE_CASES],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(RESOURCE_CASES)])
def test_unknown_values_never_flag_or_crash(name: str, resource_type: str, good: dict, bad: dict) -> None:
    # Every property the cases mention, unknown as in a pull request's preview.
    unknown_props = {k: UNKNOWN for k in {**good, **bad}}
    assert violations(policy(name), unknown_props, resource_type=resource_type) == []


def test_a_privileged_policy_on_a_role_unknown_until_up_is_still_flagged() -> None:
    props = {"role": UNKNOWN, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    found = violations(policy("iam-no-privileged-managed-policy"), props,
                       resource_type="aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                       config={"exemptRoles": {"deployer": "pipeline"}})
    assert found and "AdministratorAccess" in found[0]


def test_unknown_values_in_stack_policies_never_flag() -> None:
    bucket = resource(BUCKET, "b", {"tags": UNKNOWN}, protect=True)
    link = {"bucket": [bucket]}
    parts = [bucket,
             resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "s",
                      {"rules": UNKNOWN}, property_dependencies=link),
             resource("aws:s3/bucketVersioning:BucketVersioning", "v", {"versioningConfiguration": UNKNOWN},
                      property_dependencies=link),
             resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "p", {}, property_dependencies=link),
             resource("aws:s3/bucketPolicy:BucketPolicy", "bp", {"policy": UNKNOWN}, property_dependencies=link),
             resource("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lc", {"rules": UNKNOWN},
                      property_dependencies=link),
             resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r",
                      {"cidrIpv4": UNKNOWN, "fromPort": 22.0, "toPort": 22.0}),
             resource("aws:ec2/subnet:Subnet", "s", {"availabilityZone": UNKNOWN})]
    for target in ALL_POLICIES:
        assert violations(target, resources=parts, config={"required": True}) == [], target.name


def test_an_address_unknown_until_up_neither_crashes_nor_flags_the_ingress_rules() -> None:
    db_group = resource("aws:ec2/securityGroup:SecurityGroup", "db-sg",
                        {"ingress": [{"protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0,
                                      "cidrBlocks": [UNKNOWN]}]})
    parts = [db_group, resource("aws:rds/instance:Instance", "db", {"port": 3306.0},
                                property_dependencies={"vpcSecurityGroupIds": [db_group]})]
    for name in ("no-world-open-ingress", "data-store-ingress-from-clients-only"):
        assert violations(policy(name), resources=parts) == [], name
    parts[0] = resource("aws:ec2/securityGroup:SecurityGroup", "db-sg", {"ingress": [
        {"protocol": "tcp", "fromPort": 3306.0, "toPort": 3306.0, "cidrBlocks": [UNKNOWN, "10.0.0.0/16"]}]})
    parts[1] = resource("aws:rds/instance:Instance", "db", {"port": 3306.0},
                        property_dependencies={"vpcSecurityGroupIds": [parts[0]]})
    assert violations(policy("data-store-ingress-from-clients-only"), resources=parts), "the known CIDR still counts"


@pytest.mark.parametrize(("stack", "days", "flagged"), [("staging", 7.0, False), ("production", 7.0, True),
                                                        ("production", 30.0, False)])
def test_retention_threshold_follows_the_stack_config(stack: str, days: float, flagged: bool) -> None:
    config = stack_config(stack)["rds-backup-retention"]
    found = violations(policy("rds-backup-retention"), _with(GOOD_RDS, backupRetentionPeriod=days),
                       resource_type=RDS, config=config)
    assert bool(found) is flagged, f"{stack} with {days} days: {found}"


def test_stack_config_files_name_only_real_policies_and_settings() -> None:
    by_name = {p.name: p for p in ALL_POLICIES}
    for stack in ("staging", "production"):
        for name, settings in stack_config(stack).items():
            assert name in by_name, f"{stack}.json names unknown policy {name}"
            schema = by_name[name].config_schema
            for key in settings:
                assert key == "enforcementLevel" or (schema and key in schema.properties), f"{stack}: {name}.{key}"


@pytest.mark.parametrize("stack", ["staging", "production", "production-dr"])
def test_required_tags_judges_every_taggable_type_the_program_uses(stack: str) -> None:
    # "Taggable" as the SDK defines it: the resource class takes `tags`.
    from elite_policies.guardrails import _taggable

    from .conftest import is_taggable, stack_run

    run = stack_run(stack)
    missed = sorted({r.type for r in run.resources if is_taggable(r) and not _taggable(r.type)})
    assert missed == [], f"required-tags never judges {missed}"
    wrongly = sorted({r.type for r in run.resources
                      if r.custom and r.type.startswith("aws:") and _taggable(r.type) and not is_taggable(r)})
    assert wrongly == [], f"required-tags would demand tags of untaggable {wrongly}"
