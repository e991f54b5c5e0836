"""Create-time constraints: IAM roles and their policies (IAM quotas)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .base import (
    Finding,
    Registered,
    _document_size,
    _num,
    _str,
    _targets,
    constraint,
    stack_constraint,
)

IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
TRUST_POLICY_MAX, INLINE_POLICIES_MAX, MANAGED_POLICIES_MAX = 2048, 10240, 10


@constraint("iam-role-settings", ["aws:iam/role:Role"], rule=f"trust policy at most {TRUST_POLICY_MAX} "
            "characters (whitespace excluded); description at most 1000; sessions 3600-43200 s; path / or "
            "/segments/ of printable ASCII up to 512", fix="shorten the trust policy or description, or fix "
            "the session length or path", reference=IAM_QUOTAS)
def _iam_role(props: Mapping[str, Any]) -> Iterable[Finding]:
    size = _document_size(props.get("assumeRolePolicy"))
    if size is not None and size > TRUST_POLICY_MAX:
        yield "assumeRolePolicy", f"{size} characters", f"above {TRUST_POLICY_MAX}"
    description = _str(props.get("description"))
    if description is not None and len(description) > 1000:
        yield "description", f"{len(description)} characters", "above 1000"
    session = _num(props.get("maxSessionDuration"))
    if session is not None and not 3600 <= session <= 43200:
        yield "maxSessionDuration", session, "outside 3600-43200"
    path = _str(props.get("path"))
    if path is not None and (len(path) > 512 or not re.fullmatch(r"/([\x21-\x7e]*/)?", path)):
        yield "path", path, "not / or /segments/"


@stack_constraint("iam-role-policy-quotas", rule=f"inline policies of one role at most {INLINE_POLICIES_MAX} "
                  f"characters together (whitespace excluded); at most {MANAGED_POLICIES_MAX} managed policies "
                  "attached (default quota)", fix="merge statements into a managed policy, or split the role",
                  reference=IAM_QUOTAS)
def _iam_role_quotas(resources: Sequence[Registered]) -> Iterable[tuple[Registered, Finding]]:
    by_urn = {r.urn: r for r in resources}
    inline: dict[str, int] = defaultdict(int)
    attached: dict[str, int] = defaultdict(int)
    for reg in resources:
        if reg.type == "aws:iam/rolePolicy:RolePolicy":
            for role in _targets(reg, "role", by_urn):
                inline[role.urn] += _document_size(reg.inputs.get("policy")) or 0
        elif reg.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            for role in _targets(reg, "role", by_urn):
                attached[role.urn] += 1
    for urn, size in inline.items():
        if size > INLINE_POLICIES_MAX:
            yield by_urn[urn], ("inline policies", f"{size} characters", f"above {INLINE_POLICIES_MAX}")
    for urn, count in attached.items():
        if count > MANAGED_POLICIES_MAX:
            yield by_urn[urn], ("managed policy attachments", count, f"above {MANAGED_POLICIES_MAX}")
