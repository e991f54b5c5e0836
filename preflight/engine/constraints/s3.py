"""Create-time constraints: S3 bucket policies and lifecycle rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    _get,
    _list,
    _num,
    constraint,
)

S3_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"


@constraint("s3-bucket-policy-size", ["aws:s3/bucketPolicy:BucketPolicy"], rule="a bucket policy is at most 20 KB",
            fix="merge statements or move grants to IAM policies", reference=S3_GUIDE + "bucket-policies.html")
def _bucket_policy_size(props: Mapping[str, Any]) -> Iterable[Finding]:
    policy = props.get("policy")
    if isinstance(policy, str) and len(policy.encode()) > 20 * 1024:
        yield "policy", f"{len(policy.encode())} bytes", "above 20480"


@constraint("s3-lifecycle-transitions", ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
            rule="objects move to STANDARD_IA or ONEZONE_IA after at least 30 days; expiration after every "
                 "transition", fix="transition to IA at 30 days or later and expire after the last transition",
            reference=S3_GUIDE + "lifecycle-transition-general-considerations.html")
def _lifecycle(props: Mapping[str, Any]) -> Iterable[Finding]:
    for index, rule in enumerate(_list(props.get("rules"))):
        days = []
        for transition in _list(_get(rule, "transitions")):
            day = _num(_get(transition, "days"))
            if day is None:
                continue
            days.append(day)
            if _get(transition, "storageClass") in ("STANDARD_IA", "ONEZONE_IA") and day < 30:
                yield f"rules[{index}].transitions", day, f"{_get(transition, 'storageClass')} before 30 days"
        expiry = _num(_get(rule, "expiration", "days"))
        if expiry is not None and days and expiry <= max(days):
            yield f"rules[{index}].expiration.days", expiry, f"not after the transition at {max(days):.0f} days"
