"""What AWS rejects at create time, enforced on what the program registers.

The mock engine answers every registration; these rules then judge the registrations as AWS's
APIs would on a real `pulumi up`: names (explicit and Pulumi's auto-names) against the rules in
`components/naming.py`, enumerations, numeric ranges, cross-field rules and document-size
quotas. A violation fails the offline preview (exit 2) with the resource, the argument, the
value, the rule, the fix and the AWS page that states the rule. Values unknown during preview
are not judged.

Every rule is declared with `@constraint` (one resource) or `@stack_constraint` (several
resources: quotas per security group, per role, per log group); `CONSTRAINTS` lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import (  # noqa: F401 - importing a service's module registers its rules
    autoscaling,
    cloudfront,
    cloudwatch,
    ecs,
    elasticache,
    elb,
    iam,
    kms,
    opensearch,
    rds,
    route53,
    s3,
    ssm,
    tags,
    vpc,
    waf,
)
from .base import CONSTRAINTS, Constraint, Finding, Registered, Violation, constraint, stack_constraint
from .names import NAMED, SCOPED_KINDS, _name_findings, name_key, physical_names

__all__ = ["CONSTRAINTS", "NAMED", "SCOPED_KINDS", "Constraint", "Registered", "Violation", "check_all", "constraint",
           "describe", "name_key", "physical_names", "stack_constraint"]


def check_all(resources: Sequence[Registered]) -> list[Violation]:
    """Every create-time violation among the stack's custom resources."""
    custom = [r for r in resources if r.custom]
    found: list[Violation] = []

    def add(reg: Registered, constraint_id: str, finding: Finding) -> None:
        c = CONSTRAINTS[constraint_id]
        argument, value, detail = finding
        found.append(Violation(reg.urn, reg.type, reg.name, c.id, argument, value,
                               f"{c.rule}: {detail}" if detail else c.rule, c.fix, c.reference))

    for reg in custom:
        for constraint_id, finding in _name_findings(reg):
            add(reg, constraint_id, finding)
        for c in CONSTRAINTS.values():
            if c.check is None or (c.types and reg.type not in c.types):
                continue
            if not c.types and not reg.type.startswith("aws:"):
                continue
            for finding in c.check(reg.inputs):
                add(reg, c.id, finding)
    for c in CONSTRAINTS.values():
        if c.stack_check is not None:
            for reg, finding in c.stack_check(custom):
                add(reg, c.id, finding)
    return found


def describe(violations: Sequence[Violation]) -> str:
    lines = [f"{len(violations)} create-time constraint violation(s): AWS would reject these at `pulumi up`"]
    lines += [f"  - {v}" for v in violations]
    return "\n".join(lines)
