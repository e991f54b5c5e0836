"""Turn the probe's results (Terraform names) into preflight/plan/replacements.json (Pulumi names)."""

import inspect
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = os.environ.get("WORK", "/tmp/replacements-probe")
sys.path.insert(0, str(ROOT))
names = json.load(open(WORK + "/names.json"))  # Pulumi type token -> Terraform resource type
result = json.load(open(WORK + "/result.json"))
from tests.conftest import resource_class


def camel(x):
    first, *rest = x.split("_")
    return first + "".join(p[:1].upper() + p[1:] for p in rest)


def sdk_props(token):
    cls = resource_class(token)
    out = set()
    for p in inspect.signature(cls._internal_init).parameters:
        if p in ("self", "__self__", "resource_name", "opts", "__props__"):
            continue
        g = getattr(getattr(cls, p, None), "fget", None)
        out.add(getattr(g, "_pulumi_name", camel(p)))
    return out


RENAMES = {"alarm_name": "name", "log_group_name": "logGroup", "topic_arn": "topic"}


def top(name, props):
    if RENAMES.get(name) in props:
        return RENAMES[name]
    c = camel(name)
    for cand in (c, c + "s", c + "es", c[:-1] + "ies" if c.endswith("y") else None):
        if cand and cand in props:
            return cand
    return None


UNPROBED = {
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": {
        "destination": "the provider refuses a plan that changes the destination without its configuration block; "
        "treated as replacing (a stream cannot change its destination kind in place)"
    }
}
types = {}
for token, tf in sorted(names.items()):
    props = sdk_props(token)
    r = result[tf]
    replaces, unmapped = set(), []
    for path in r["replace"]:
        head, *rest = path.split(".")
        t = top(head, props)
        if t is None:
            unmapped.append(path)
            continue
        replaces.add(".".join([t, *[camel(x) for x in rest]]))
    # pulumi-aws v7 bridges terraform-provider-aws v6, whose per-resource `region` moves nothing:
    # a resource in another region is another resource.
    if "region" in props:
        replaces.add("region")
    entry = {"terraform": tf, "schemaVersion": r["schema_version"], "replaces": sorted(replaces)}
    # Probed alone in a first pass without the companion value the second pass needed.
    if token == "aws:ec2/natGateway:NatGateway":
        replaces.add("allocationId")
    if token in UNPROBED:
        entry["unprobed"] = UNPROBED[token]
        entry["replaces"] = sorted(set(entry["replaces"]) | set(UNPROBED[token]))
    not_probed = sorted({e[0] for e in r["errors"]})
    if not_probed:
        entry["notProbedAlone"] = [top(n, props) or n for n in not_probed]
    if unmapped:
        entry["terraformOnly"] = unmapped
    types[token] = entry
random_inputs = [
    "keepers",
    "length",
    "lower",
    "minLower",
    "minNumeric",
    "minSpecial",
    "minUpper",
    "number",
    "numeric",
    "overrideSpecial",
    "special",
    "upper",
]
types["random:index/randomPassword:RandomPassword"] = {
    "terraform": "random_password",
    "replaces": random_inputs,
    "source": "terraform-provider-random v3 documentation: every argument of random_password forces a new "
    "resource (RequiresReplace on each); a new password is generated",
}
types["pulumi:providers:aws"] = {
    "terraform": 'provider "aws"',
    "replaces": ["region"],
    "source": "the bridged provider's DiffConfig: a provider in another region is another provider, and every "
    "resource it manages is replaced with it; other settings update in place",
}
doc = {
    "about": "Which input changes force a replacement, per resource type the program registers (all stacks and "
    "bootstrap). preflight preview --against reads it; tests/test_replacements.py fails when a registered "
    "type is missing.",
    "source": "terraform-provider-aws v5.100.0 (the local provider mirror), asked directly over its plugin "
    "protocol (tfplugin5 PlanResourceChange): for each input, a prior state with one value and a config "
    "with another, every other input null; the response's requires_replace paths are the ForceNew "
    "attributes and RequiresReplace plan modifiers. tools/derive_replacements.py re-runs it where a "
    "mirror exists; nothing in the product needs one.",
    "bridge": "pulumi-aws 7.51.1 bridges terraform-provider-aws v6: `region` (new in v6 on every resource) is "
    "added as replacing; the bridge sets no other ForceNew overrides for these types. notProbedAlone "
    "lists inputs whose lone change the provider refused to plan (a CustomizeDiff needing a companion "
    "value): the preview reports a change of them as `may replace`.",
    "providerVersion": "5.100.0",
    "date": "2026-12-01",
    "types": types,
}
json.dump(doc, open(ROOT / "preflight" / "plan" / "replacements.json", "w"), indent=1, sort_keys=False)
print(len(types))
for k, v in types.items():
    if v.get("terraformOnly") or v.get("notProbedAlone"):
        print(k, v.get("terraformOnly"), v.get("notProbedAlone"))
