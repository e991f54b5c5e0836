"""Physical names: one helper for every explicitly named resource, and AWS's naming rules.

A name is derived from parts (`elite-locadora`, the stack, a role) joined by hyphens. When the
result does not fit the service's length limit it is shortened and a short hash of the *full*
name is appended, so two stacks whose names differ only past the cut still get different
physical names (cutting at a length alone lets them collide). Every derived name is checked
against its rule here, at derivation time; the offline preflight checks the rules again on what
the program registers (`preflight/constraints/`, one module per service), auto-names included.

`NAME_RULES` is the one list of the rules, each with the AWS page that states it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

# Stack names end up in S3 bucket names (lower case only), RDS identifiers (no doubled or
# trailing hyphen) and tags; the helper shortens long names, so the limit is a readability one.
STACK_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
STACK_NAME_MAX = 40
HASH_LENGTH = 6


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as one kind of name."""

    kind: str
    max_length: int
    pattern: str  # the whole name must match
    reference: str
    min_length: int = 1
    forbidden_prefixes: tuple[str, ...] = ()
    forbidden_suffixes: tuple[str, ...] = ()
    forbidden_substrings: tuple[str, ...] = ()
    note: str = ""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def problems(self, name: str) -> list[str]:
        """What is wrong with `name` under this rule (empty when AWS would accept it)."""
        found = []
        if not self.min_length <= len(name) <= self.max_length:
            found.append(f"length {len(name)} outside {self.min_length}-{self.max_length}")
        if not self.regex.fullmatch(name):
            found.append(f"does not match {self.pattern}" + (f" ({self.note})" if self.note else ""))
        lowered = name.lower()
        found += [f"starts with reserved {p!r}" for p in self.forbidden_prefixes if lowered.startswith(p)]
        found += [f"ends with reserved {s!r}" for s in self.forbidden_suffixes if lowered.endswith(s)]
        found += [f"contains {s!r}" for s in self.forbidden_substrings if s in name]
        return found


# Letters, digits and single inner hyphens, starting with a letter: RDS and ElastiCache ids.
_HYPHENATED_FROM_LETTER = r"[a-zA-Z](-?[a-zA-Z0-9])*"
_LOWER_HYPHENATED_FROM_LETTER = r"[a-z](-?[a-z0-9])*"
_ELB = r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
_ECS = r"[a-zA-Z0-9_-]+"

NAME_RULES: dict[str, NameRule] = {rule.kind: rule for rule in (
    NameRule("alb", 32, _ELB, "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
             "API_CreateLoadBalancer.html", forbidden_prefixes=("internal-",),
             note="letters, digits and hyphens; no hyphen first or last"),
    NameRule("target-group", 32, _ELB, "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
             "API_CreateTargetGroup.html", note="letters, digits and hyphens; no hyphen first or last"),
    NameRule("rds-instance", 63, _HYPHENATED_FROM_LETTER, "https://docs.aws.amazon.com/AmazonRDS/latest/"
             "APIReference/API_CreateDBInstance.html",
             note="a letter first; no doubled or trailing hyphen"),
    NameRule("rds-snapshot", 255, _HYPHENATED_FROM_LETTER, "https://docs.aws.amazon.com/AmazonRDS/latest/"
             "APIReference/API_CreateDBSnapshot.html", note="a letter first; no doubled or trailing hyphen"),
    NameRule("rds-parameter-group", 255, _HYPHENATED_FROM_LETTER, "https://docs.aws.amazon.com/AmazonRDS/"
             "latest/APIReference/API_CreateDBParameterGroup.html",
             note="a letter first; no doubled or trailing hyphen"),
    NameRule("rds-subnet-group", 255, r"[a-z0-9 ._-]+", "https://docs.aws.amazon.com/AmazonRDS/latest/"
             "APIReference/API_CreateDBSubnetGroup.html", forbidden_prefixes=("default",),
             note="lower-case letters, digits, spaces, periods, underscores, hyphens"),
    NameRule("elasticache-group", 40, _LOWER_HYPHENATED_FROM_LETTER, "https://docs.aws.amazon.com/"
             "AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
             note="lower case, a letter first; no doubled or trailing hyphen"),
    NameRule("elasticache-snapshot", 255, r"[a-zA-Z0-9-]+", "https://docs.aws.amazon.com/AmazonElastiCache/"
             "latest/APIReference/API_CreateSnapshot.html"),
    NameRule("elasticache-parameter-group", 255, _LOWER_HYPHENATED_FROM_LETTER, "https://docs.aws.amazon.com/"
             "AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html"),
    NameRule("elasticache-subnet-group", 255, r"[a-z0-9-]+", "https://docs.aws.amazon.com/AmazonElastiCache/"
             "latest/APIReference/API_CreateCacheSubnetGroup.html"),
    NameRule("opensearch-domain", 28, r"[a-z][a-z0-9-]+", "https://docs.aws.amazon.com/opensearch-service/"
             "latest/APIReference/API_CreateDomain.html", min_length=3,
             note="lower case, a letter first"),
    NameRule("s3-bucket", 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]", "https://docs.aws.amazon.com/AmazonS3/latest/"
             "userguide/bucketnamingrules.html", min_length=3,
             forbidden_prefixes=("xn--", "sthree-", "amzn-s3-demo-"),
             forbidden_suffixes=("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"),
             forbidden_substrings=("..",), note="lower case, digits, dots, hyphens"),
    NameRule("iam-role", 64, r"[\w+=,.@-]+", "https://docs.aws.amazon.com/IAM/latest/APIReference/"
             "API_CreateRole.html"),
    NameRule("iam-policy", 128, r"[\w+=,.@-]+", "https://docs.aws.amazon.com/IAM/latest/APIReference/"
             "API_PutRolePolicy.html"),
    NameRule("sns-topic", 256, r"[A-Za-z0-9_-]+", "https://docs.aws.amazon.com/sns/latest/api/"
             "API_CreateTopic.html"),
    NameRule("log-group", 512, r"[.\-_/#A-Za-z0-9]+", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/"
             "latest/APIReference/API_CreateLogGroup.html"),
    NameRule("log-subscription-filter", 512, r"[^:*]+", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/"
             "latest/APIReference/API_PutSubscriptionFilter.html"),
    NameRule("log-resource-policy", 255, r"[\x20-\x7e]+", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/"
             "latest/APIReference/API_PutResourcePolicy.html"),
    NameRule("log-delivery", 60, r"[\w-]+", "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/"
             "APIReference/API_PutDeliverySource.html"),
    NameRule("ecs-cluster", 255, _ECS, "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
             "API_CreateCluster.html"),
    NameRule("ecs-service", 255, _ECS, "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
             "API_CreateService.html"),
    NameRule("ecs-task-family", 255, _ECS, "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"
             "API_RegisterTaskDefinition.html"),
    NameRule("ecr-repository", 256, r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
             "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
             min_length=2),
    NameRule("waf-web-acl", 128, r"[\w-]+", "https://docs.aws.amazon.com/waf/latest/APIReference/"
             "API_CreateWebACL.html"),
    NameRule("waf-metric", 255, r"[\w#:.\-/]+", "https://docs.aws.amazon.com/waf/latest/APIReference/"
             "API_VisibilityConfig.html", note="no whitespace; not All or Default_Action"),
    NameRule("firehose-stream", 64, r"[a-zA-Z0-9_.-]+", "https://docs.aws.amazon.com/firehose/latest/"
             "APIReference/API_CreateDeliveryStream.html"),
    NameRule("cloudwatch-dashboard", 255, r"[A-Za-z0-9_-]+", "https://docs.aws.amazon.com/AmazonCloudWatch/"
             "latest/APIReference/API_PutDashboard.html"),
    NameRule("cloudwatch-alarm", 255, r"[\x20-\x7e]+", "https://docs.aws.amazon.com/AmazonCloudWatch/latest/"
             "APIReference/API_PutMetricAlarm.html"),
    NameRule("ssm-parameter", 1011, r"/?[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+){0,14}", "https://docs.aws.amazon.com/"
             "systems-manager/latest/APIReference/API_PutParameter.html",
             forbidden_prefixes=("aws", "ssm", "/aws", "/ssm"), note="at most 15 levels"),
    NameRule("kms-alias", 256, r"alias/[a-zA-Z0-9/_-]+", "https://docs.aws.amazon.com/kms/latest/APIReference/"
             "API_CreateAlias.html", forbidden_prefixes=("alias/aws/",)),
    NameRule("security-group", 255, r"[\x20-\x7e]+", "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
             "API_CreateSecurityGroup.html", forbidden_prefixes=("sg-",)),
    NameRule("cloudfront-oac", 64, r"[\x20-\x7e]+", "https://docs.aws.amazon.com/cloudfront/latest/APIReference/"
             "API_OriginAccessControlConfig.html"),
)}


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def physical_name(kind: str, *parts: str) -> str:
    """The name of a resource of `kind`, from `parts` joined by '-', within AWS's rules.

    Deterministic; fits the length limit by shortening and appending '-' plus a hash of the full
    name; never leaves a leading, trailing or doubled hyphen. Raises ValueError where the parts
    cannot make a valid name (a programming error, not a config one: config is validated first).
    """
    rule = NAME_RULES[kind]
    full = "-".join(p.strip("-") for p in parts if p)
    name = full
    if len(full) > rule.max_length:
        head = full[: rule.max_length - HASH_LENGTH - 1].rstrip("-.")
        name = f"{head}-{short_hash(full)}"
    problems = rule.problems(name)
    if problems:
        raise ValueError(f"{kind} name {name!r} (from {full!r}): {'; '.join(problems)} ({rule.reference})")
    return name


def stack_name_problem(stack: str) -> str | None:
    """Why `stack` cannot name a stack of this program, or None."""
    if not STACK_NAME.fullmatch(stack):
        return ("must be lower-case letters and digits in groups joined by single hyphens "
                "(no leading, trailing or doubled hyphen, no '_' or '.'): stack names become part of "
                "S3 bucket names and RDS identifiers")
    if len(stack) > STACK_NAME_MAX:
        return f"must be at most {STACK_NAME_MAX} characters"
    return None
