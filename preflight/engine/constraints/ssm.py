"""Create-time constraints: SSM parameters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _str,
    constraint,
)


@constraint("ssm-parameter-value", ["aws:ssm/parameter:Parameter"], rule="type String, StringList or "
            "SecureString; a Standard value at most 4 KB (Advanced 8 KB); description at most 1024",
            fix="use tier Advanced for larger values, or store the value elsewhere",
            reference="https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html")
def _ssm(props: Mapping[str, Any]) -> Iterable[Finding]:
    if props.get("type") not in ("String", "StringList", "SecureString", None):
        yield "type", props.get("type"), "not a parameter type"
    value = props.get("value")
    limit = 8192 if props.get("tier") == "Advanced" else 4096
    if isinstance(value, str) and len(value.encode()) > limit:
        yield "value", f"{len(value.encode())} bytes", f"above {limit} for tier {props.get('tier', 'Standard')}"
    description = _str(props.get("description"))
    if description is not None and len(description) > 1024:
        yield "description", f"{len(description)} characters", "above 1024"
