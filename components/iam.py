"""IAM/KMS/S3 policy documents built from Outputs, typed, rendered as the JSON AWS stores.

`aws.iam.get_policy_document` would do the same through an invoke, but its argument types are
plain strings while most of our statements name resources that are Outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

Strings = Sequence[pulumi.Input[str]]


@dataclass(frozen=True)
class Statement:
    actions: Strings
    resources: Strings = ("*",)
    effect: str = "Allow"
    sid: str | None = None
    # principal type ("AWS", "Service", "Federated", "*") -> identifiers
    principals: Mapping[str, Strings] = field(default_factory=dict)
    # operator -> {condition key -> values}
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The statement applies to everything except `resources` (NotResource), for denies.
    not_resources: bool = False

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        if self.principals:
            out["Principal"] = "*" if dict(self.principals) == {"*": ["*"]} else {
                kind: _one_or_many(ids) for kind, ids in self.principals.items()}
        out["Action"] = _one_or_many(self.actions)
        if self.resources:  # trust policies name no resource
            out["NotResource" if self.not_resources else "Resource"] = _one_or_many(self.resources)
        if self.conditions:
            out["Condition"] = {op: dict(keys) for op, keys in self.conditions.items()}
        return out


def _one_or_many(values: Strings) -> Any:
    return values[0] if len(values) == 1 else list(values)


def policy_document(*statements: Statement) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17",
                                     "Statement": [s.render() for s in statements]})


def service_trust(service: str, account_id: pulumi.Input[str],
                  condition_key: str = "aws:SourceAccount") -> pulumi.Output[str]:
    """A role trust policy for one AWS service, limited to this account (confused deputy).
    Firehose documents `sts:ExternalId` = the account id instead of aws:SourceAccount."""
    return policy_document(Statement(
        actions=["sts:AssumeRole"], resources=(), principals={"Service": [service]},
        conditions={"StringEquals": {condition_key: account_id}}))


# AWS-managed policies that make a role an administrator (or let it become one). No workload
# role may carry them, and the deploy roles may not attach them (bootstrap, the policy pack).
PRIVILEGED_MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/job-function/SystemAdministrator",
    "arn:aws:iam::aws:policy/AWSOrganizationsFullAccess",
)
PLATFORM_ROLE_PATH = "/elite-locadora/"
BOUNDARY_POLICY_NAME = "elite-locadora-workload-boundary"


def environment_role_path(environment: str, stack: str | None = None) -> str:
    """Where one environment's workload roles live: the deploy role of that environment may
    manage roles under this path and no other. A stack of the environment other than its
    namesake (production-dr) nests its roles below it."""
    nested = f"{stack}/" if stack and stack != environment else ""
    return f"{PLATFORM_ROLE_PATH}{environment}/{nested}"


@dataclass(frozen=True)
class RolePlacement:
    """Path and permissions boundary every workload role of a stack is created with."""

    path: str
    permissions_boundary: str | None  # policy ARN; None only where config turns it off


def workload_role(name: str, placement: RolePlacement, *, assume_role_policy: pulumi.Input[str],
                  description: str, tags: Mapping[str, str],
                  opts: pulumi.ResourceOptions | None = None) -> aws.iam.Role:
    """An IAM role under the platform's path, capped by the bootstrap's permissions boundary."""
    return aws.iam.Role(name, path=placement.path, permissions_boundary=placement.permissions_boundary,
                        assume_role_policy=assume_role_policy, description=description, tags=dict(tags),
                        opts=opts)
