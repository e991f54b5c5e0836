"""Create-time constraints: Tags on every AWS resource."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .base import (
    Finding,
    constraint,
)

TAG_CHARACTERS = re.compile(r"[\w .:/=+\-@]*", re.UNICODE)


@constraint("tags", [], rule="at most 50 tags; keys 1-128 and values at most 256 characters of letters, digits, "
            "spaces and _ . : / = + - @; no aws: prefix on keys", fix="trim the tags (components/tagging.py)",
            reference="https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html")
def _tags(props: Mapping[str, Any]) -> Iterable[Finding]:
    tags = props.get("tags")
    if not isinstance(tags, Mapping):
        return
    if len(tags) > 50:
        yield "tags", len(tags), "more than 50"
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:") or not TAG_CHARACTERS.fullmatch(key):
            yield "tags", key, "key length, characters or aws: prefix"
        if isinstance(value, str) and (len(value) > 256 or not TAG_CHARACTERS.fullmatch(value)):
            yield f"tags.{key}", value, "value length or characters"
