"""No deprecated resource type or argument.

The SDK reports most uses at construction (`pulumi.log.warn("... is deprecated ...")`, captured
from the engine log); a few arguments are deprecated only in the provider's documentation
(e.g. iam.Role's managed_policy_arns), so those are read from the class's docstrings too.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re

import pulumi
import pulumi_aws as aws
from pydantic.alias_generators import to_camel as to_camel_case

from preflight.engine.mocks import AwsMocks
from preflight.engine.runner import StackRun, _WarningCollector

from .conftest import resource_class

_DOC_DEPRECATION = re.compile(r"The `(\w+)` argument is deprecated")


@functools.cache
def documented_deprecated_arguments(token: str) -> frozenset[str]:
    source = inspect.getsource(inspect.getmodule(resource_class(token)))  # type: ignore[arg-type]
    return frozenset(to_camel_case(name) for name in _DOC_DEPRECATION.findall(source))


# The one warning the program means to give: a stack not yet pinned to its account (runbook).
UNPINNED_ACCOUNT = "elite-locadora:accountId is not set"


def test_program_triggers_no_warning_at_all(any_stack: StackRun) -> None:
    # Deprecations first of all, but also e.g. an Output formatted into a string by mistake.
    unexpected = [w for w in any_stack.warnings if not w.startswith(UNPINNED_ACCOUNT)]
    assert unexpected == [], f"{any_stack.stack}: {unexpected}"


def test_program_passes_no_documented_deprecated_argument(any_stack: StackRun) -> None:
    offenders = [
        (reg.urn, sorted(documented_deprecated_arguments(reg.type) & set(reg.inputs)))
        for reg in any_stack.resources
        if reg.custom and reg.type.split(":")[0] in ("aws", "random")
    ]
    assert [o for o in offenders if o[1]] == []


def test_documented_deprecations_are_recognised() -> None:
    assert "managedPolicyArns" in documented_deprecated_arguments("aws:iam/role:Role")


def test_sdk_deprecation_warnings_reach_the_capture() -> None:
    # Guards against a collector that hears nothing: a deprecated argument must show up.
    collector = _WarningCollector()
    logger = logging.getLogger("deprecation-probe")
    logger.handlers, logger.propagate = [collector], False
    pulumi.runtime.set_mocks(AwsMocks(), project="p", stack="s", preview=False, logger=logger)
    aws.s3.BucketV2("probe", acl="private")
    assert any("BucketV2 is deprecated" in m for m in collector.messages), collector.messages
