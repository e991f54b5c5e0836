"""AWS Foundational Security Best Practices: every control for the services the program uses, and
what the pack does about each — implemented (the policies whose metadata names the control), not
applicable (why), or waived (why, and what compensates).

CONTROLS is the list in shared/reference/fsbp-controls.md (Security Hub's ids, titles and
severities); a test keeps the two equal and fails when a control has no status here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pulumi_policy import Policy

from ._framework import control_ids

CONTROLS: tuple[tuple[str, str, str], ...] = (
    ('ACM.1', 'Imported ACM certificates should be renewed after a specified time period', 'medium'),
    ('ACM.2', 'RSA certificates managed by ACM should use a key length of at least 2,048 bits', 'high'),
    ('CloudFront.1', 'CloudFront distributions should have a default root object configured', 'critical'),
    ('CloudFront.3', 'CloudFront distributions should require encryption in transit', 'medium'),
    ('CloudFront.4', 'CloudFront distributions should have origin failover configured', 'low'),
    ('CloudFront.5', 'CloudFront distributions should have logging enabled', 'medium'),
    ('CloudFront.6', 'CloudFront distributions should have AWS WAF enabled', 'medium'),
    ('CloudFront.7', 'CloudFront distributions should use custom SSL/TLS certificates', 'medium'),
    ('CloudFront.8', 'CloudFront distributions should use SNI to serve HTTPS requests', 'low'),
    ('CloudFront.9', 'CloudFront distributions should encrypt traffic to custom origins', 'medium'),
    ('CloudFront.10', 'CloudFront distributions should not use deprecated SSL protocols between edge locations and custom origins', 'medium'),
    ('CloudFront.12', 'CloudFront distributions should not point to non-existent S3 origins', 'high'),
    ('CloudFront.13', 'CloudFront distributions should use origin access control', 'medium'),
    ('ECR.1', 'ECR private repositories should have image scanning configured', 'high'),
    ('ECR.2', 'ECR private repositories should have tag immutability configured', 'medium'),
    ('ECR.3', 'ECR repositories should have at least one lifecycle policy configured', 'medium'),
    ('ECS.1', 'Amazon ECS task definitions should have secure networking modes and user definitions', 'medium'),
    ('ECS.2', 'Amazon ECS services should not have public IP addresses assigned to them automatically', 'high'),
    ('ECS.3', "ECS task definitions should not share the host's process namespace", 'high'),
    ('ECS.4', 'ECS containers should run as non-privileged', 'high'),
    ('ECS.5', 'ECS containers should be limited to read-only access to root filesystems', 'high'),
    ('ECS.8', 'Secrets should not be passed as container environment variables', 'high'),
    ('ECS.9', 'ECS task definitions should have a logging configuration', 'high'),
    ('ECS.10', 'Fargate services should run on the latest Fargate platform version', 'medium'),
    ('ECS.12', 'ECS clusters should have Container Insights enabled', 'medium'),
    ('ELB.1', 'Application Load Balancer should be configured to redirect all HTTP requests to HTTPS', 'medium'),
    ('ELB.2', 'Classic Load Balancers with SSL/HTTPS listeners should use a certificate provided by AWS Certificate Manager', 'medium'),
    ('ELB.3', 'Classic Load Balancer listeners should be configured with HTTPS or TLS termination', 'medium'),
    ('ELB.4', 'Application load balancers should be configured to drop HTTP headers', 'medium'),
    ('ELB.5', 'Application and Classic Load Balancers logging should be enabled', 'medium'),
    ('ELB.6', 'Application Load Balancer deletion protection should be enabled', 'medium'),
    ('ELB.7', 'Classic Load Balancers should have connection draining enabled', 'medium'),
    ('ELB.9', 'Classic Load Balancers should have cross-zone load balancing enabled', 'medium'),
    ('ELB.10', 'Classic Load Balancers should span multiple Availability Zones', 'medium'),
    ('ELB.12', 'Application Load Balancers should be configured with defensive or strictest desync mitigation mode', 'medium'),
    ('ELB.13', 'Application, Network, and Gateway Load Balancers should span multiple Availability Zones', 'medium'),
    ('ELB.14', 'Classic Load Balancers should be configured with defensive or strictest desync mitigation mode', 'medium'),
    ('ELB.16', 'Application Load Balancers should be associated with an AWS WAF web ACL', 'medium'),
    ('ES.1', 'Elasticsearch domains should have encryption at-rest enabled', 'medium'),
    ('ES.2', 'Elasticsearch domains should not be publicly accessible', 'critical'),
    ('ES.3', 'Amazon Elasticsearch Service domains should encrypt data sent between nodes', 'medium'),
    ('ES.4', 'Elasticsearch domain error logging to CloudWatch Logs should be enabled', 'medium'),
    ('ES.5', 'Elasticsearch domains should have audit logging enabled', 'medium'),
    ('ES.6', 'Elasticsearch domains should have at least three data nodes', 'medium'),
    ('ES.7', 'Elasticsearch domains should be configured with at least three dedicated master nodes', 'medium'),
    ('ES.8', 'Connections to Elasticsearch domains should be encrypted using the latest TLS security policy', 'medium'),
    ('ElastiCache.1', 'ElastiCache for Redis clusters should have automatic backups scheduled', 'high'),
    ('ElastiCache.2', 'Minor version upgrades should be automatically applied to ElastiCache for Redis cache clusters', 'high'),
    ('ElastiCache.3', 'ElastiCache for Redis replication groups should have automatic failover enabled', 'medium'),
    ('ElastiCache.4', 'ElastiCache for Redis replication groups should be encrypted at rest', 'medium'),
    ('ElastiCache.5', 'ElastiCache for Redis replication groups should be encrypted in transit', 'medium'),
    ('ElastiCache.6', 'ElastiCache for Redis replication groups before version 6.0 should use Redis AUTH', 'medium'),
    ('ElastiCache.7', 'ElastiCache clusters should not use the default subnet group', 'high'),
    ('KMS.1', 'IAM customer managed policies should not allow decryption actions on all KMS keys', 'medium'),
    ('KMS.2', 'IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys', 'medium'),
    ('KMS.3', 'AWS KMS keys should not be unintentionally deleted', 'critical'),
    ('KMS.4', 'AWS KMS key rotation should be enabled', 'medium'),
    ('KMS.5', 'KMS keys should not be publicly accessible', 'critical'),
    ('OpenSearch.1', 'OpenSearch domains should have encryption at rest enabled', 'medium'),
    ('OpenSearch.2', 'OpenSearch domains should not be publicly accessible', 'critical'),
    ('OpenSearch.3', 'OpenSearch domains should encrypt data sent between nodes', 'medium'),
    ('OpenSearch.4', 'OpenSearch domain error logging to CloudWatch Logs should be enabled', 'medium'),
    ('OpenSearch.5', 'OpenSearch domains should have audit logging enabled', 'medium'),
    ('OpenSearch.6', 'OpenSearch domains should have at least three data nodes', 'medium'),
    ('OpenSearch.7', 'OpenSearch domains should have fine-grained access control enabled', 'high'),
    ('OpenSearch.8', 'Connections to OpenSearch domains should be encrypted using the latest TLS security policy', 'medium'),
    ('OpenSearch.10', 'OpenSearch domains should have the latest software update installed', 'low'),
    ('RDS.1', 'RDS snapshots should be private', 'critical'),
    ('RDS.2', 'RDS DB instances should prohibit public access, determined by the PubliclyAccessible configuration', 'critical'),
    ('RDS.3', 'RDS DB instances should have encryption at-rest enabled', 'medium'),
    ('RDS.4', 'RDS cluster snapshots and database snapshots should be encrypted at rest', 'medium'),
    ('RDS.5', 'RDS DB instances should be configured with multiple Availability Zones', 'medium'),
    ('RDS.6', 'Enhanced monitoring should be configured for RDS DB instances and clusters', 'low'),
    ('RDS.7', 'RDS clusters should have deletion protection enabled', 'low'),
    ('RDS.8', 'RDS DB instances should have deletion protection enabled', 'low'),
    ('RDS.9', 'RDS DB instances should publish logs to CloudWatch Logs', 'medium'),
    ('RDS.10', 'IAM authentication should be configured for RDS instances', 'medium'),
    ('RDS.11', 'RDS instances should have automatic backups enabled', 'medium'),
    ('RDS.13', 'RDS automatic minor version upgrades should be enabled', 'high'),
    ('RDS.15', 'RDS DB clusters should be configured for multiple Availability Zones', 'medium'),
    ('RDS.16', 'RDS DB clusters should be configured to copy tags to snapshots', 'low'),
    ('RDS.17', 'RDS DB instances should be configured to copy tags to snapshots', 'low'),
    ('RDS.18', 'RDS instances should be deployed in a VPC', 'high'),
    ('RDS.19', 'Existing RDS event notification subscriptions should be configured for critical cluster events.', 'low'),
    ('RDS.20', 'Existing RDS event notification subscriptions should be configured for critical database instance events', 'low'),
    ('RDS.21', 'An RDS event notifications subscription should be configured for critical database parameter group events', 'low'),
    ('RDS.22', 'An RDS event notifications subscription should be configured for critical database security group events', 'low'),
    ('RDS.23', 'RDS databases and clusters should not use a database engine default port', 'low'),
    ('RDS.24', 'RDS database clusters should use a custom administrator username', 'medium'),
    ('RDS.25', 'RDS database instances should use a custom administrator username', 'medium'),
    ('RDS.26', 'RDS DB instances should be protected by a backup plan', 'medium'),
    ('RDS.27', 'RDS DB clusters should be encrypted at rest', 'medium'),
    ('RDS.34', 'Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs', 'medium'),
    ('RDS.35', 'RDS DB clusters should have automatic minor version upgrade enabled', 'medium'),
    ('RDS.38', 'RDS for PostgreSQL DB instances should be encrypted in transit', 'medium'),
    ('RDS.39', 'RDS for MySQL DB instances should be encrypted in transit', 'medium'),
    ('SNS.1', 'SNS topics should be encrypted at rest using AWS KMS', 'medium'),
    ('SNS.2', 'Logging of delivery status should be enabled for notification messages sent to a topic', 'medium'),
    ('SNS.4', 'SNS topic access policies should not allow public access', 'high'),
    ('SSM.1', 'EC2 instances should be managed by AWS Systems Manager', 'medium'),
    ('SSM.2', 'All EC2 instances managed by Systems Manager should be compliant with patching requirements', 'high'),
    ('SSM.3', 'Instances managed by Systems Manager should have an association compliance status of COMPLIANT', 'low'),
    ('SSM.4', 'SSM documents should not be public', 'critical'),
    ('SecretsManager.1', 'Secrets Manager secrets should have automatic rotation enabled', 'medium'),
    ('SecretsManager.2', 'Secrets Manager secrets configured with automatic rotation should rotate successfully', 'medium'),
    ('SecretsManager.3', 'Remove unused Secrets Manager secrets', 'medium'),
    ('SecretsManager.4', 'Secrets Manager secrets should be rotated within a specified number of days', 'medium'),
    ('WAF.1', 'AWS WAF Classic Global Web ACL logging should be enabled', 'medium'),
    ('WAF.2', 'AWS WAF Classic Regional rules should have at least one condition', 'medium'),
    ('WAF.3', 'AWS WAF Classic Regional rule groups should have at least one rule', 'medium'),
    ('WAF.4', 'AWS WAF Classic Regional web ACLs should have at least one rule or rule group', 'medium'),
    ('WAF.6', 'AWS WAF Classic global rules should have at least one condition', 'medium'),
    ('WAF.7', 'AWS WAF Classic global rule groups should have at least one rule', 'medium'),
    ('WAF.8', 'AWS WAF Classic global web ACLs should have at least one rule or rule group', 'medium'),
    ('WAF.10', 'AWS WAF web ACLs should have at least one rule or rule group', 'medium'),
    ('WAF.11', 'AWS WAF web ACL logging should be enabled', 'low'),
    ('WAF.12', 'AWS WAF rules should have CloudWatch metrics enabled', 'medium'),
)

# Security Hub's FSBP controls on the account rather than on a service the program uses (they are not
# in shared/reference/fsbp-controls.md): the account baseline (baseline/) satisfies them, and the
# compliance report checks them on the baseline stack of the account a stack runs in.
ACCOUNT_CONTROLS: tuple[tuple[str, str, str], ...] = (
    ('CloudTrail.1', 'CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events', 'high'),
    ('CloudTrail.2', 'CloudTrail should have encryption at-rest enabled', 'medium'),
    ('CloudTrail.4', 'CloudTrail log file validation should be enabled', 'low'),
    ('CloudTrail.5', 'CloudTrail trails should be integrated with Amazon CloudWatch Logs', 'low'),
    ('Config.1', 'AWS Config should be enabled and use the service-linked role for resource recording', 'medium'),
    ('EC2.7', 'EBS default encryption should be enabled', 'medium'),
    ('GuardDuty.1', 'GuardDuty should be enabled', 'high'),
    ('GuardDuty.9', 'GuardDuty RDS Protection should be enabled', 'high'),
    ('GuardDuty.10', 'GuardDuty S3 Protection should be enabled', 'high'),
    ('GuardDuty.12', 'GuardDuty ECS Runtime Monitoring should be enabled', 'medium'),
    ('Macie.1', 'Amazon Macie should be enabled', 'medium'),
    ('S3.1', 'S3 general purpose buckets should have block public access settings enabled', 'medium'),
)

_NO_CLASSIC_LB = "no Classic Load Balancer: the program runs one Application Load Balancer"
_NO_CLUSTER = "no Aurora or Multi-AZ DB cluster: the database is an RDS MySQL instance (Multi-AZ instance)"
_NO_EC2 = "no EC2 instances: the application runs on ECS Fargate, which AWS patches"
_WAF_CLASSIC = "WAF Classic: the program uses AWS WAF (wafv2), judged by WAF.10-WAF.12"
_NO_SECRETS_MANAGER = ("no Secrets Manager secrets: the guide keeps secrets in SSM Parameter Store SecureStrings "
                       "(ssm-secret-parameter-secure-string); rotation is the runbook's")

NOT_APPLICABLE: dict[str, str] = {
    "ACM.1": "no imported certificates: every certificate is issued by ACM and DNS-validated, so ACM renews it",
    **{c: _NO_CLASSIC_LB for c in ("ELB.2", "ELB.3", "ELB.7", "ELB.9", "ELB.10", "ELB.14")},
    "RDS.1": "the program creates and shares no manual snapshot; automated snapshots cannot be made public",
    **{c: _NO_CLUSTER for c in ("RDS.7", "RDS.15", "RDS.16", "RDS.19", "RDS.24", "RDS.27", "RDS.34", "RDS.35")},
    "RDS.22": "DB security groups exist only on EC2-Classic (retired 2022); the instances use VPC security groups",
    "RDS.38": "the engine is MySQL, not PostgreSQL (RDS.39 applies)",
    **{c: _NO_EC2 for c in ("SSM.1", "SSM.2", "SSM.3")},
    "SSM.4": "the program creates no SSM documents",
    **{c: _NO_SECRETS_MANAGER for c in ("SecretsManager.1", "SecretsManager.2", "SecretsManager.3",
                                         "SecretsManager.4")},
    **{c: _WAF_CLASSIC for c in ("WAF.1", "WAF.2", "WAF.3", "WAF.4", "WAF.6", "WAF.7", "WAF.8")},
}


@dataclass(frozen=True)
class Waiver:
    why: str
    compensates: str


WAIVED: dict[str, Waiver] = {
    "RDS.23": Waiver(
        "MySQL keeps port 3306: a non-default port hides nothing from a scanner inside the VPC",
        "the instances sit in isolated subnets, admit only the application tier's security group, refuse "
        "plaintext connections (require_secure_transport) and support IAM authentication"),
    "RDS.26": Waiver(
        "no AWS Backup plan: it would duplicate RDS's own automated backups",
        "automated backups with point-in-time restore (30 days in production), a final snapshot, deletion "
        "protection and a cross-region read replica"),
    "SNS.2": Waiver(
        "SNS delivery-status logging covers HTTP(S), SQS, Lambda, Firehose and mobile endpoints; the alarm "
        "topics deliver to e-mail only",
        "SNS reports NumberOfNotificationsFailed per topic in CloudWatch"),
}


@dataclass(frozen=True)
class Coverage:
    control: str
    title: str
    severity: str
    status: str  # implemented | not applicable | waived | missing
    policies: tuple[str, ...] = ()
    reason: str = ""


def implemented_by(policies: list[Policy]) -> dict[str, list[str]]:
    """FSBP control id -> names of the policies whose metadata names it."""
    found: dict[str, list[str]] = defaultdict(list)
    for policy in policies:
        if policy.framework is not None:
            for control in control_ids(policy.framework.reference):
                found[control].append(policy.name)
    return found


def coverage(policies: list[Policy]) -> list[Coverage]:
    by_control = implemented_by(policies)
    rows = []
    for control, title, severity in CONTROLS:
        if control in by_control:
            rows.append(Coverage(control, title, severity, "implemented", tuple(by_control[control])))
        elif control in NOT_APPLICABLE:
            rows.append(Coverage(control, title, severity, "not applicable", reason=NOT_APPLICABLE[control]))
        elif control in WAIVED:
            waiver = WAIVED[control]
            rows.append(Coverage(control, title, severity, "waived",
                                 reason=f"{waiver.why}. Compensating: {waiver.compensates}"))
        else:
            rows.append(Coverage(control, title, severity, "missing"))
    return rows
