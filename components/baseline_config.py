"""The account baseline's settings (baseline/Pulumi.<account>.yaml) -> one validated, typed object.

The baseline is deployed once per AWS account, so its stack names an account (account-production,
account-staging), and its settings say which of the platform's stacks that account hosts. A bad
value stops the program before any resource is registered, with one message naming the key, the
value and what is allowed (the same shape as the platform's own config errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from .config import LOG_RETENTION_DAYS, ConfigError, _as_written, available_stacks, stack_file_config
from .naming import physical_name, stack_name_problem

BASELINE_PROJECT = "elite-locadora-baseline"
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
# PCI DSS v4.0.1 10.5.1: audit logs kept at least twelve months, three of them at hand.
PCI_LOG_RETENTION_DAYS = 365


def _region(value: str) -> str:
    if not _AWS_REGION.fullmatch(value):
        raise ValueError(f"{value!r} is not an AWS region name (like us-east-1)")
    return value


def _platform_stack(value: str) -> str:
    problem = stack_name_problem(value)
    if problem:
        raise ValueError(f"{value!r} {problem}")
    known = available_stacks()
    if value not in known:
        raise ValueError(f"{value!r} is not a stack of the platform program (one of: {', '.join(known)})")
    return value


def _retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS or value < PCI_LOG_RETENTION_DAYS:
        allowed = [d for d in LOG_RETENTION_DAYS if d >= PCI_LOG_RETENTION_DAYS]
        raise ValueError(f"must be a CloudWatch Logs retention of at least {PCI_LOG_RETENTION_DAYS} days "
                         f"(PCI DSS 10.5.1), one of {allowed}")
    return value


class SecurityContact(BaseModel):
    """Whom AWS tells about security issues in the account (CIS 1.2): the account's SECURITY alternate contact."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=64)]
    title: Annotated[str, Field(min_length=1, max_length=50)]
    email: EmailStr
    phone: Annotated[str, Field(pattern=r"^[\s0-9()+-]+$", max_length=25)]


Region = Annotated[str, AfterValidator(_region)]
PlatformStack = Annotated[str, AfterValidator(_platform_stack)]


class BaselineConfig(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    region: Annotated[Region, Field(alias="aws:region")]
    account_id: Annotated[str, Field(pattern=r"^(\d{12})?$")] = ""
    # The platform's stacks (Pulumi.<stack>.yaml of the main program) this account hosts: their
    # assets buckets are the documents the trail and Macie watch.
    platform_stacks: Annotated[list[PlatformStack], Field(min_length=1)]
    # Every region the account uses; the home region (aws:region) holds the trail, its bucket and
    # the CIS alarms, every listed region gets Config, GuardDuty, Security Hub, Access Analyzer,
    # Macie and EBS default encryption.
    regions: Annotated[list[Region], Field(min_length=1)]
    security_emails: Annotated[list[EmailStr], Field(min_length=1)]
    security_contact: SecurityContact
    trail_log_retention_days: Annotated[int, AfterValidator(_retention)] = 365
    trail_archive_days: Annotated[int, Field(ge=PCI_LOG_RETENTION_DAYS, le=3653)] = 731
    trail_object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    trail_object_lock_days: Annotated[int, Field(ge=1, le=3653)] = 365
    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = "FIFTEEN_MINUTES"
    # GuardDuty severities: 1-3.9 low, 4-6.9 medium, 7-8.9 high; what pages on-call.
    alert_minimum_severity: Annotated[float, Field(ge=1, le=8.9)] = 4
    macie_schedule: Literal["DAILY", "WEEKLY", "MONTHLY"] = "WEEKLY"
    macie_sampling_percentage: Annotated[int, Field(ge=1, le=100)] = 100
    # The unused-access analyzer is priced per IAM role and user analysed (README, cost).
    unused_access_analyzer: bool = True
    unused_access_age_days: Annotated[int, Field(ge=1, le=365)] = 45  # CIS 1.12 (PCI DSS 8.2.6 allows 90)
    permissions_boundary_policy: str = "elite-locadora-workload-boundary"
    owner: str = "platform-team"
    cost_center: str = "elite-locadora"
    protect_stateful_resources: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> BaselineConfig:
        if self.region not in self.regions:
            raise ValueError(f"{BASELINE_PROJECT}:regions = {self.regions}: must include the home region "
                             f"aws:region ({self.region})")
        if len(set(self.regions)) != len(self.regions):
            raise ValueError(f"{BASELINE_PROJECT}:regions = {self.regions}: a region is listed twice")
        if self.trail_object_lock_days > self.trail_archive_days:
            raise ValueError(f"{BASELINE_PROJECT}:trailObjectLockDays = {self.trail_object_lock_days}: must not "
                             f"exceed trailArchiveDays ({self.trail_archive_days}): a locked object cannot expire")
        for stack in self.platform_stacks:
            where = str(stack_file_config(stack).get("aws:region", ""))
            if where not in self.regions:
                raise ValueError(f"{BASELINE_PROJECT}:platformStacks = {self.platform_stacks}: stack {stack} runs in "
                                 f"{where}, which is not in regions {self.regions}")
        return self


@dataclass(frozen=True)
class DocumentBucket:
    """A platform stack's assets bucket, where customers' documents live under `customers/`."""
    stack: str
    region: str
    name: str


def document_buckets(model: BaselineConfig, account_id: str) -> list[DocumentBucket]:
    """Each hosted stack's assets bucket, named as the platform names it (or as adopted)."""
    found = []
    for stack in model.platform_stacks:
        values = stack_file_config(stack)
        adopted = str(values.get("elite-locadora:adoptedAssetsBucket") or "")
        name = adopted or physical_name("s3-bucket", f"elite-locadora-{stack}", "assets", account_id)
        found.append(DocumentBucket(stack, str(values["aws:region"]), name))
    return found


def _format(error: ValidationError, raw: dict[str, Any], stack: str) -> str:
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        key = loc[0] if loc and ":" in loc[0] else f"{BASELINE_PROJECT}:{loc[0]}" if loc else BASELINE_PROJECT
        where = key + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        message = item["msg"].removeprefix("Value error, ")
        if message.startswith(BASELINE_PROJECT + ":"):
            lines.append(message)
        elif item["type"] == "missing":
            lines.append(f"{where} is not set: declare it in Pulumi.{stack}.yaml")
        else:
            value = raw.get(loc[0]) if len(loc) == 1 else item.get("input")
            lines.append(f"{where} = {_as_written(value)!r}: {message}")
    return f"invalid configuration for stack {stack!r}:\n  " + "\n  ".join(lines)


def load_baseline_config() -> BaselineConfig:
    import json

    from pulumi.runtime.config import CONFIG

    stack = pulumi.get_stack()
    cfg, aws_cfg = pulumi.Config(BASELINE_PROJECT), pulumi.Config("aws")
    known = {field.alias or to_camel(name) for name, field in BaselineConfig.model_fields.items()}
    unknown = sorted(k for k in CONFIG.get() if k.startswith(BASELINE_PROJECT + ":")
                     and k.split(":", 1)[1] not in known)
    if unknown:
        raise ConfigError(f"invalid configuration for stack {stack!r}:\n  unknown key(s) {', '.join(unknown)}: "
                          f"the baseline reads {', '.join(sorted(k for k in known if ':' not in k))}")
    raw: dict[str, Any] = {}
    for name, field in BaselineConfig.model_fields.items():
        alias = field.alias or to_camel(name)
        value = aws_cfg.get("region") if alias == "aws:region" else cfg.get(alias)
        if value is not None:
            try:
                raw[alias] = json.loads(value) if value[:1] in "[{" or value in ("true", "false") else value
            except json.JSONDecodeError:
                raw[alias] = value
    try:
        return BaselineConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format(exc, raw, stack)) from None
