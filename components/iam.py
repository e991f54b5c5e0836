"""IAM/KMS/S3 policy documents built from Outputs, typed, rendered as the JSON AWS stores.

`aws.iam.get_policy_document` would do the same through an invoke, but its argument types are
plain strings while most of our statements name resources that are Outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

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
            out["Resource"] = _one_or_many(self.resources)
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
