"""Create-time constraints: Route 53 records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _list,
    constraint,
)


@constraint("route53-record", ["aws:route53/record:Record"], rule="an alias record has no TTL or records; any "
            "other record needs both", fix="drop ttl/records from alias records, or add them",
            reference="https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html")
def _record(props: Mapping[str, Any]) -> Iterable[Finding]:
    if _list(props.get("aliases")):
        for key in ("ttl", "records"):
            if props.get(key) is not None:
                yield key, props.get(key), "set on an alias record"
    elif props.get("ttl") is None or props.get("records") is None:
        yield "ttl/records", None, "missing on a non-alias record"
