"""Deserialize each resource once per request, not once per policy.

pulumi-policy's servicer turns a resource's protobuf properties into Python values (MessageToDict,
then deserialize_properties) inside its loop over policies: `Analyze` repeats it for every
resource policy, `AnalyzeStack` for every stack policy times every resource — with this pack's
~40 stack policies, the whole stack is decoded ~40 times per preview. This wraps the two calls
the servicer makes so that, within one request, the same protobuf message is decoded once and
the same decoded values handed to every policy (they only read them; each still gets its own
unknown-checking proxy).

It is contained here and pinned: installed only on the pulumi-policy version it was written
against (the servicer's call sites are an implementation detail), and switched off with
ELITE_POLICY_DESERIALIZE_ONCE=0 (the test that findings are identical with and without it uses
that). On any other version the SDK's own behaviour stands, unchanged.
"""

from __future__ import annotations

import functools
import os
from typing import Any

WRITTEN_FOR = "1.21.0"


class _RequestCache:
    """Decoded values by the identity of the message (kept alive by the cache for the request)."""

    def __init__(self) -> None:
        self.by_message: dict[int, tuple[Any, Any]] = {}
        self.by_dict: dict[int, tuple[Any, Any]] = {}

    def clear(self) -> None:
        self.by_message.clear()
        self.by_dict.clear()

    @staticmethod
    def remembered(table: dict[int, tuple[Any, Any]], source: Any, decode: Any) -> Any:
        """`decode(source)`, once per source object (identity, not equality) while the table lives."""
        hit = table.get(id(source))
        if hit is not None and hit[0] is source:
            return hit[1]
        decoded = decode(source)
        table[id(source)] = (source, decoded)
        return decoded


def install() -> bool:
    """Patch the servicer if this is the version it was written for; True when installed."""
    from pulumi_policy import policy as sdk
    from pulumi_policy.version import VERSION

    if VERSION != WRITTEN_FOR or os.environ.get("ELITE_POLICY_DESERIALIZE_ONCE", "1") == "0":
        return False
    if getattr(sdk, "_elite_deserialize_once", False):
        return True
    cache = _RequestCache()
    json_format = sdk.json_format
    message_to_dict = json_format.MessageToDict
    deserialize = sdk.deserialize_properties

    class _JsonFormat:
        """The servicer's `json_format`, with MessageToDict remembered per message."""

        def __getattr__(self, name: str) -> Any:
            return getattr(json_format, name)

        @staticmethod
        def MessageToDict(message: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 - the SDK's name
            if args or kwargs:
                return message_to_dict(message, *args, **kwargs)
            return cache.remembered(cache.by_message, message, message_to_dict)

    def deserialize_properties(props: Any, proxy_secrets: bool = False) -> Any:
        if proxy_secrets:  # Remediate's form: left to the SDK
            return deserialize(props, proxy_secrets)
        return cache.remembered(cache.by_dict, props, deserialize)

    def per_request(method: Any) -> Any:
        @functools.wraps(method)
        def wrapped(self: Any, request: Any, context: Any) -> Any:
            cache.clear()
            try:
                return method(self, request, context)
            finally:
                cache.clear()
        return wrapped

    servicer = sdk._PolicyAnalyzerServicer
    servicer.Analyze = per_request(servicer.Analyze)  # type: ignore[method-assign]
    servicer.AnalyzeStack = per_request(servicer.AnalyzeStack)  # type: ignore[method-assign]
    sdk.json_format = _JsonFormat()  # type: ignore[assignment]
    sdk.deserialize_properties = deserialize_properties
    setattr(sdk, "_elite_deserialize_once", True)  # noqa: B010 - a marker on a module we do not own
    return True
