"""Account baseline: the security services every framework starts with, once per AWS account.

Deployed by an administrator after bootstrap and before the platform's stacks (docs/runbooks.md):
one stack per account (account-production hosts production and production-dr, account-staging
hosts staging). components/account_baseline.py says what it creates and why.
"""

import pulumi
import pulumi_aws as aws

from components.account_baseline import AccountBaseline, AccountBaselineArgs
from components.baseline_config import BASELINE_PROJECT, document_buckets, load_baseline_config
from components.config import ConfigError

cfg = load_baseline_config()
stack = pulumi.get_stack()
account_id = aws.get_caller_identity().account_id
if cfg.account_id and cfg.account_id != account_id:
    raise ConfigError(f"stack {stack!r} belongs in account {cfg.account_id} ({BASELINE_PROJECT}:accountId), but the "
                      f"credentials are for account {account_id}: refusing to deploy")
tags = {"Project": "elite-locadora", "Environment": stack, "ManagedBy": "Pulumi", "Owner": cfg.owner,
        "CostCenter": cfg.cost_center}
providers: dict[str, aws.Provider | None] = {
    region: None if region == cfg.region else aws.Provider(f"region-{region}", region=region)
    for region in cfg.regions}

baseline = AccountBaseline("account", AccountBaselineArgs(
    config=cfg, account_id=account_id, tags=tags, documents=document_buckets(cfg, account_id), providers=providers))

pulumi.export("trailArn", baseline.trail_arn)
pulumi.export("auditBucket", baseline.audit_bucket)
pulumi.export("securityTopicArns", baseline.security_topic_arns)
