"""The account baseline: what CIS AWS Foundations v3.0.0, PCI DSS v4.0.1 and FSBP ask of an account
before any workload, deployed once per AWS account (baseline/).

  home region    a multi-region CloudTrail trail (management events, S3 data events on every hosted
                 stack's `customers/` documents, KMS-encrypted, validated, delivered to CloudWatch Logs),
                 its Object-Locked, access-logged bucket (AWS Config delivers there too), the CIS
                 section-4 metric filters and alarms, account-wide S3 Block Public Access, the IAM
                 password policy, the security contact, and the unused-access analyzer
  every region   AWS Config (all supported types), GuardDuty (S3, RDS, ECS Fargate runtime), Security
                 Hub with FSBP, CIS v3.0.0 and PCI DSS v4.0.1, an account Access Analyzer, Macie with a
                 scheduled job on the region's customer documents, EBS default encryption, and a
                 KMS-encrypted security topic: GuardDuty, Security Hub and Macie findings reach on-call
                 through EventBridge
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .baseline_config import BaselineConfig, DocumentBucket
from .iam import PLATFORM_ROLE_PATH, RolePlacement, Statement, policy_document, service_trust, workload_role
from .keys import EncryptionKeys, EncryptionKeysArgs, KeySpec
from .naming import physical_name
from .storage import SecureBucket, SecureBucketArgs, access_log_bucket
from .tagging import named

NAME = "elite-locadora"
TRAIL_NAME = f"{NAME}-account-trail"
DOCUMENTS_PREFIX = "customers/"
STANDARDS = {  # Security Hub standard -> its ARN path (region-scoped)
    "fsbp": "standards/aws-foundational-security-best-practices/v/1.0.0",
    "cis": "standards/cis-aws-foundations-benchmark/v/3.0.0",
    "pci": "standards/pci-dss/v/4.0.1",
}
CIS_NAMESPACE = "CISBenchmark"


def _any_event(*names: str, source: str | None = None) -> str:
    events = " || ".join(f"($.eventName = {n})" for n in names)
    return f"{{ ($.eventSource = {source}) && ({events}) }}" if source else f"{{ {events} }}"


# CIS AWS Foundations v3.0.0 section 4: each recommendation's metric filter (the benchmark's own
# patterns) -> an alarm on the security topic.
CIS_MONITORING: dict[str, tuple[str, str]] = {
    "4.1": ("unauthorized-api-calls", '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") '
                                      '&& ($.sourceIPAddress != "delivery.logs.amazonaws.com") '
                                      '&& ($.eventName != "HeadBucket") }'),
    "4.2": ("console-signin-without-mfa", '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
                                          '"Yes") && ($.userIdentity.type = "IAMUser") && '
                                          '($.responseElements.ConsoleLogin = "Success") }'),
    "4.3": ("root-account-usage", '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
                                  '&& $.eventType != "AwsServiceEvent" }'),
    "4.4": ("iam-policy-changes", _any_event(
        "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
        "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
        "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
        "DetachGroupPolicy")),
    "4.5": ("cloudtrail-changes", _any_event("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging",
                                             "StopLogging")),
    "4.6": ("console-authentication-failures", '{ ($.eventName = ConsoleLogin) && ($.errorMessage = '
                                               '"Failed authentication") }'),
    "4.7": ("kms-key-disabled-or-deleted", _any_event("DisableKey", "ScheduleKeyDeletion",
                                                      source="kms.amazonaws.com")),
    "4.8": ("s3-bucket-policy-changes", _any_event(
        "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
        "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
        source="s3.amazonaws.com")),
    "4.9": ("config-changes", _any_event("StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                                         "PutConfigurationRecorder", source="config.amazonaws.com")),
    "4.10": ("security-group-changes", _any_event(
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
        "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup")),
    "4.11": ("nacl-changes", _any_event("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
                                        "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry",
                                        "ReplaceNetworkAclAssociation")),
    "4.12": ("network-gateway-changes", _any_event("CreateCustomerGateway", "DeleteCustomerGateway",
                                                   "AttachInternetGateway", "CreateInternetGateway",
                                                   "DeleteInternetGateway", "DetachInternetGateway")),
    "4.13": ("route-table-changes", _any_event(
        "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
        "DeleteRoute", "DisassociateRouteTable", source="ec2.amazonaws.com")),
    "4.14": ("vpc-changes", _any_event(
        "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
        "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
        "DisableVpcClassicLink", "EnableVpcClassicLink")),
    "4.15": ("organizations-changes", _any_event(
        "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
        "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
        "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
        "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
        source="organizations.amazonaws.com")),
}


@dataclass(frozen=True)
class AccountBaselineArgs:
    config: BaselineConfig
    account_id: str
    tags: Mapping[str, str]
    documents: Sequence[DocumentBucket]
    # region -> the provider for it (None: the program's default provider, the home region)
    providers: Mapping[str, aws.Provider | None]


class AccountBaseline(pulumi.ComponentResource):
    """One account's security services; `trail_arn`, `audit_bucket` and `security_topic_arns` by region."""

    trail_arn: pulumi.Output[str]
    audit_bucket: pulumi.Output[str]
    security_topic_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: AccountBaselineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("elite-locadora:security:AccountBaseline", name, None, opts)
        self._args, cfg = args, args.config
        self._home = cfg.region
        self._roles = RolePlacement(
            path=f"{PLATFORM_ROLE_PATH}baseline/",
            permissions_boundary=f"arn:aws:iam::{args.account_id}:policy{PLATFORM_ROLE_PATH}"
                                 f"{cfg.permissions_boundary_policy}")
        self.security_topic_arns = {region: self._security_topic(region) for region in cfg.regions}
        self._audit_trail()
        self._cis_alarms()
        self._account_settings()
        config_role = aws.iam.ServiceLinkedRole("config-service-linked-role", aws_service_name="config.amazonaws.com",
                                                description="AWS Config records every region's resources",
                                                tags=named(args.tags, "config-service-linked-role"),
                                                opts=pulumi.ResourceOptions(parent=self))
        for region in cfg.regions:
            self._regional_services(region, config_role)
        self.register_outputs({"trail_arn": self.trail_arn, "audit_bucket": self.audit_bucket,
                               "security_topic_arns": self.security_topic_arns})

    # --- helpers -------------------------------------------------------------------------------

    def _opts(self, region: str, **extra: object) -> pulumi.ResourceOptions:
        provider = self._args.providers.get(region)
        return pulumi.ResourceOptions(parent=self, provider=provider, **extra)  # type: ignore[arg-type]

    def _tags(self, name: str) -> dict[str, str]:
        return named(self._args.tags, name)

    def _arn(self, service: str, resource: str, region: str = "") -> str:
        return f"arn:aws:{service}:{region}:{self._args.account_id}:{resource}"

    # --- the security topic of each region -------------------------------------------------------

    def _security_topic(self, region: str) -> pulumi.Output[str]:
        cfg, account = self._args.config, self._args.account_id
        keys = EncryptionKeys(f"{region}-security-keys", EncryptionKeysArgs(
            region=region, tags=self._args.tags, protect=cfg.protect_stateful_resources, name_prefix=f"{NAME}-baseline",
            specs=[KeySpec("findings", "Security findings topic (EventBridge and CloudWatch alarms publish to it)",
                           service_principals=["events.amazonaws.com", "cloudwatch.amazonaws.com"])]),
            opts=self._opts(region))
        topic = aws.sns.Topic(f"{region}-security-findings", name=f"{NAME}-security-findings",
                              kms_master_key_id=keys.arns["findings"], tags=self._tags(f"{NAME}-security-findings"),
                              opts=self._opts(region))
        aws.sns.TopicPolicy(f"{region}-security-findings-policy", arn=topic.arn, policy=policy_document(
            Statement(sid="FindingsAndAlarmsPublish", actions=["sns:Publish"], resources=[topic.arn],
                      principals={"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]},
                      conditions={"StringEquals": {"aws:SourceAccount": account}}),
            Statement(sid="AccountManagesTopic", resources=[topic.arn],
                      actions=["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
                               "sns:ListSubscriptionsByTopic", "sns:DeleteTopic"],
                      principals={"AWS": [f"arn:aws:iam::{account}:root"]})), opts=self._opts(region))
        for index, email in enumerate(cfg.security_emails):
            aws.sns.TopicSubscription(f"{region}-security-findings-email-{index}", topic=topic.arn, protocol="email",
                                      endpoint=email, opts=self._opts(region))
        return topic.arn

    def _notify(self, region: str, label: str, description: str, pattern: Mapping[str, object]) -> None:
        rule = aws.cloudwatch.EventRule(f"{region}-{label}", name=f"{NAME}-{label}", description=description,
                                        event_pattern=json.dumps(pattern), state="ENABLED",
                                        tags=self._tags(f"{NAME}-{label}"), opts=self._opts(region))
        aws.cloudwatch.EventTarget(f"{region}-{label}-to-on-call", rule=rule.name, target_id="security-findings",
                                   arn=self.security_topic_arns[region], opts=self._opts(region))

    # --- the trail and its bucket (home region) --------------------------------------------------

    def _audit_trail(self) -> None:
        cfg, account, home = self._args.config, self._args.account_id, self._home
        trail_arn = self._arn("cloudtrail", f"trail/{TRAIL_NAME}", home)
        keys = EncryptionKeys("audit-keys", EncryptionKeysArgs(
            region=home, tags=self._args.tags, protect=cfg.protect_stateful_resources, name_prefix=f"{NAME}-baseline",
            specs=[KeySpec("audit", "CloudTrail logs, AWS Config snapshots and the trail's CloudWatch log group",
                           service_principals=["config.amazonaws.com"], cloudwatch_logs=True)],
            extra_statements={"audit": [
                Statement(sid="CloudTrailEncryptsThisAccountsTrail", actions=["kms:GenerateDataKey*"],
                          principals={"Service": ["cloudtrail.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceArn": trail_arn},
                                      "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                                     self._arn("cloudtrail", "trail/*", "*")}}),
                Statement(sid="CloudTrailDescribesKey", actions=["kms:DescribeKey"],
                          principals={"Service": ["cloudtrail.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceArn": trail_arn}})]}),
            opts=self._opts(home))
        audit_key = keys.arns["audit"]
        bucket_name = physical_name("s3-bucket", f"{NAME}-audit-logs", account)
        access_logs = access_log_bucket("audit-access-logs", physical_name("s3-bucket", f"{NAME}-audit-access-logs",
                                                                           account),
                                        account, cfg.trail_archive_days, self._args.tags,
                                        cfg.protect_stateful_resources, self._opts(home))
        bucket_arn = f"arn:aws:s3:::{bucket_name}"
        archive = aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="archive-then-expire", status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
            # Three months at hand in Standard (and a year in CloudWatch Logs), then Glacier
            # Instant Retrieval until the archive period ends (PCI DSS 10.5.1).
            transitions=[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=90, storage_class="GLACIER_IR")],
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=cfg.trail_archive_days),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=cfg.trail_object_lock_days))
        bucket = SecureBucket("audit-logs", SecureBucketArgs(
            bucket_name=bucket_name, tags=self._args.tags, kms_key_arn=audit_key, lifecycle_rules=[archive],
            access_log_bucket=access_logs.name, access_log_prefix="s3/audit-logs/",
            object_lock_days=cfg.trail_object_lock_days, object_lock_mode=cfg.trail_object_lock_mode,
            protect=cfg.protect_stateful_resources, extra={"DataClassification": "audit"},
            policy_statements=[
                Statement(sid="CloudTrailChecksAcl", actions=["s3:GetBucketAcl"], resources=[bucket_arn],
                          principals={"Service": ["cloudtrail.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceArn": trail_arn}}),
                Statement(sid="CloudTrailWrites", actions=["s3:PutObject"],
                          resources=[f"{bucket_arn}/cloudtrail/AWSLogs/{account}/*"],
                          principals={"Service": ["cloudtrail.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceArn": trail_arn,
                                                       "s3:x-amz-acl": "bucket-owner-full-control"}}),
                Statement(sid="ConfigChecksBucket", actions=["s3:GetBucketAcl", "s3:ListBucket"],
                          resources=[bucket_arn], principals={"Service": ["config.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceAccount": account}}),
                Statement(sid="ConfigDelivers", actions=["s3:PutObject"],
                          resources=[f"{bucket_arn}/config/AWSLogs/{account}/Config/*"],
                          principals={"Service": ["config.amazonaws.com"]},
                          conditions={"StringEquals": {"aws:SourceAccount": account,
                                                       "s3:x-amz-acl": "bucket-owner-full-control"}})]),
            opts=self._opts(home))
        self.audit_bucket, self._audit_key = bucket.name, audit_key
        self.log_group = aws.cloudwatch.LogGroup(
            "trail-log-group", name=f"/aws/cloudtrail/{TRAIL_NAME}", retention_in_days=cfg.trail_log_retention_days,
            kms_key_id=audit_key, tags=self._tags(TRAIL_NAME),
            opts=self._opts(home, protect=cfg.protect_stateful_resources))
        role = workload_role("trail-delivery-role", self._roles,
                             assume_role_policy=service_trust("cloudtrail.amazonaws.com", account),
                             description="CloudTrail delivers the account trail to CloudWatch Logs",
                             tags=self._tags(f"{NAME}-trail-delivery"), opts=self._opts(home))
        delivery = aws.iam.RolePolicy("trail-delivery-policy", role=role.id, policy=policy_document(Statement(
            sid="DeliverTrailEvents", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[self.log_group.arn.apply(lambda arn: f"{arn}:log-stream:*")])), opts=self._opts(home))
        # Every platform stack's customer documents: object-level reads and writes (CIS 3.8/3.9).
        documents = [f"arn:aws:s3:::{d.name}/{DOCUMENTS_PREFIX}" for d in self._args.documents]
        trail = aws.cloudtrail.Trail(
            "account-trail", name=TRAIL_NAME, s3_bucket_name=bucket.name, s3_key_prefix="cloudtrail",
            kms_key_id=audit_key, is_multi_region_trail=True, include_global_service_events=True,
            enable_log_file_validation=True, enable_logging=True,
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            advanced_event_selectors=[
                aws.cloudtrail.TrailAdvancedEventSelectorArgs(name="Management events, read and write",
                                                              field_selectors=[
                    aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(field="eventCategory",
                                                                               equals=["Management"])]),
                aws.cloudtrail.TrailAdvancedEventSelectorArgs(name="Customer documents", field_selectors=[
                    aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(field="eventCategory", equals=["Data"]),
                    aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(field="resources.type",
                                                                               equals=["AWS::S3::Object"]),
                    aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs(field="resources.ARN",
                                                                               starts_withs=documents)])],
            tags=self._tags(TRAIL_NAME),
            # CloudTrail checks the bucket policy and the delivery role when the trail is created.
            opts=self._opts(home, depends_on=[bucket.policy, delivery]))
        self.trail_arn = trail.arn

    def _cis_alarms(self) -> None:
        home = self._home
        for recommendation, (label, pattern) in CIS_MONITORING.items():
            metric = f"cis-{recommendation.replace('.', '-')}-{label}"
            aws.cloudwatch.LogMetricFilter(
                f"cis-{label}-filter", name=metric, log_group_name=self.log_group.name, pattern=pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=metric, namespace=CIS_NAMESPACE, value="1"), opts=self._opts(home))
            aws.cloudwatch.MetricAlarm(
                f"cis-{label}-alarm", name=f"{NAME}-{metric}",
                alarm_description=f"CIS AWS Foundations v3.0.0 {recommendation}: {label.replace('-', ' ')}",
                namespace=CIS_NAMESPACE, metric_name=metric, statistic="Sum", period=300, evaluation_periods=1,
                threshold=1, comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="notBreaching",
                alarm_actions=[self.security_topic_arns[home]], tags=self._tags(f"{NAME}-{metric}"),
                opts=self._opts(home))

    def _account_settings(self) -> None:
        cfg, home = self._args.config, self._home
        contact = cfg.security_contact
        aws.account.AlternativeContact("security-contact", alternate_contact_type="SECURITY", name=contact.name,
                                       title=contact.title, email_address=contact.email,
                                       phone_number=contact.phone, opts=self._opts(home))
        aws.s3.AccountPublicAccessBlock("account-public-access-block", account_id=self._args.account_id,
                                        block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                                        restrict_public_buckets=True, opts=self._opts(home))
        # CIS 1.8/1.9 (14 characters, 24 remembered), PCI DSS 8.3.6/8.3.7/8.3.9 (complexity,
        # reuse, 90-day change where a password is the only factor).
        aws.iam.AccountPasswordPolicy("password-policy", minimum_password_length=14, password_reuse_prevention=24,
                                      require_lowercase_characters=True, require_uppercase_characters=True,
                                      require_numbers=True, require_symbols=True, allow_users_to_change_password=True,
                                      max_password_age=90, hard_expiry=False, opts=self._opts(home))
        if cfg.unused_access_analyzer:
            aws.accessanalyzer.Analyzer(
                "unused-access-analyzer", analyzer_name=f"{NAME}-unused-access", type="ACCOUNT_UNUSED_ACCESS",
                configuration=aws.accessanalyzer.AnalyzerConfigurationArgs(
                    unused_access=aws.accessanalyzer.AnalyzerConfigurationUnusedAccessArgs(
                        unused_access_age=cfg.unused_access_age_days)),
                tags=self._tags(f"{NAME}-unused-access"), opts=self._opts(home))

    # --- every region ---------------------------------------------------------------------------

    def _regional_services(self, region: str, config_role: aws.iam.ServiceLinkedRole) -> None:
        cfg, account = self._args.config, self._args.account_id
        recorder = aws.cfg.Recorder(
            f"{region}-config-recorder", name=NAME, role_arn=config_role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(
                all_supported=True, include_global_resource_types=region == self._home),
            recording_mode=aws.cfg.RecorderRecordingModeArgs(recording_frequency="CONTINUOUS"),
            opts=self._opts(region))
        channel = aws.cfg.DeliveryChannel(
            f"{region}-config-delivery", name=NAME, s3_bucket_name=self.audit_bucket, s3_key_prefix="config",
            s3_kms_key_arn=self._audit_key,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(
                delivery_frequency="TwentyFour_Hours"), opts=self._opts(region, depends_on=[recorder]))
        aws.cfg.RecorderStatus(f"{region}-config-recording", name=recorder.name, is_enabled=True,
                               opts=self._opts(region, depends_on=[channel]))

        detector = aws.guardduty.Detector(f"{region}-guardduty", enable=True,
                                          finding_publishing_frequency=cfg.finding_publishing_frequency,
                                          tags=self._tags(f"{NAME}-guardduty"), opts=self._opts(region))
        for feature, extra in (("S3_DATA_EVENTS", []), ("RDS_LOGIN_EVENTS", []),
                               ("RUNTIME_MONITORING", [("ECS_FARGATE_AGENT_MANAGEMENT", "ENABLED")])):
            aws.guardduty.DetectorFeature(
                f"{region}-guardduty-{feature.lower().replace('_', '-')}", detector_id=detector.id, name=feature,
                status="ENABLED", additional_configurations=[
                    aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=n, status=s) for n, s in extra],
                opts=self._opts(region))
        self._notify(region, "guardduty-findings", "GuardDuty findings of medium severity or above page on-call",
                     {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                      "detail": {"severity": [{"numeric": [">=", cfg.alert_minimum_severity]}]}})

        hub = aws.securityhub.Account(f"{region}-security-hub", enable_default_standards=False,
                                      control_finding_generator="SECURITY_CONTROL", auto_enable_controls=True,
                                      opts=self._opts(region))
        for label, path in STANDARDS.items():
            aws.securityhub.StandardsSubscription(f"{region}-standard-{label}",
                                                  standards_arn=f"arn:aws:securityhub:{region}::{path}",
                                                  opts=self._opts(region, depends_on=[hub]))
        self._notify(region, "security-hub-findings", "New failed Security Hub findings of high or critical severity",
                     {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
                      "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]},
                                              "Compliance": {"Status": ["FAILED"]},
                                              "Workflow": {"Status": ["NEW"]}, "RecordState": ["ACTIVE"]}}})

        aws.accessanalyzer.Analyzer(f"{region}-access-analyzer", analyzer_name=f"{NAME}-account", type="ACCOUNT",
                                    tags=self._tags(f"{NAME}-account"), opts=self._opts(region))
        aws.ebs.EncryptionByDefault(f"{region}-ebs-encryption-by-default", enabled=True, opts=self._opts(region))

        macie = aws.macie2.Account(f"{region}-macie", status="ENABLED",
                                   finding_publishing_frequency=cfg.finding_publishing_frequency,
                                   opts=self._opts(region))
        here = sorted(d.name for d in self._args.documents if d.region == region)
        if here:
            schedule = {"DAILY": aws.macie2.ClassificationJobScheduleFrequencyArgs(daily_schedule=True),
                        "WEEKLY": aws.macie2.ClassificationJobScheduleFrequencyArgs(weekly_schedule="MONDAY"),
                        "MONTHLY": aws.macie2.ClassificationJobScheduleFrequencyArgs(monthly_schedule=1)}
            aws.macie2.ClassificationJob(
                f"{region}-customer-documents-discovery", name=f"{NAME}-customer-documents",
                description="Sensitive data (driver's licences, contracts) under customers/ of the assets buckets",
                job_type="SCHEDULED", schedule_frequency=schedule[cfg.macie_schedule], initial_run=True,
                sampling_percentage=cfg.macie_sampling_percentage,
                s3_job_definition=aws.macie2.ClassificationJobS3JobDefinitionArgs(
                    bucket_definitions=[aws.macie2.ClassificationJobS3JobDefinitionBucketDefinitionArgs(
                        account_id=account, buckets=here)],
                    scoping=aws.macie2.ClassificationJobS3JobDefinitionScopingArgs(
                        includes=aws.macie2.ClassificationJobS3JobDefinitionScopingIncludesArgs(ands=[
                            aws.macie2.ClassificationJobS3JobDefinitionScopingIncludesAndArgs(
                                simple_scope_term=aws.macie2.ClassificationJobS3JobDefinitionScopingIncludesAndSimpleScopeTermArgs(
                                    comparator="STARTS_WITH", key="OBJECT_KEY", values=[DOCUMENTS_PREFIX]))]))),
                tags=self._tags(f"{NAME}-customer-documents"), opts=self._opts(region, depends_on=[macie]))
        self._notify(region, "macie-findings", "Macie findings (sensitive data out of place, bucket exposure)",
                     {"source": ["aws.macie"], "detail-type": ["Macie Finding"]})
