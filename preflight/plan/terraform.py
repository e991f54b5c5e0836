"""A Terraform state, read as Pulumi would hold the same resources.

`load_state` reads a state file (format version 4: modules, `count`/`for_each` instances,
provider aliases) into one `TfInstance` per managed resource instance. `pulumi_shape` turns an
instance's attributes into the engine's property names and shapes for its Pulumi type, from the
two schemas that define them: the Terraform provider's (preflight/plan/terraform_schema.json, which
attributes are inputs, computed or sensitive, which blocks are lists) and pulumi_aws's own
argument classes (each property's engine name, whether it is a list, its nested type) — the
bridge's renames (`setting` -> `settings`, `alarm_name` -> `name`) and its flattening of
one-item blocks come from there, not from a hand-kept table.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parent / "terraform_schema.json"
_ADDRESS_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_REGION_IN_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-gov)?-[a-z]+-\d):")
_ZONE = re.compile(r"^([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]$")


class StateError(ValueError):
    """The file is not a Terraform state this command can read; the message names why."""


@dataclass
class TfInstance:
    address: str  # module.vpc.aws_subnet.private[0]
    type: str  # aws_subnet
    provider: str  # provider["registry.terraform.io/hashicorp/aws"].us_west_2
    attributes: dict[str, Any]
    sensitive: set[str] = field(default_factory=set)  # top-level attributes Terraform marks sensitive
    dependencies: list[str] = field(default_factory=list)
    schema_version: int = 0

    @property
    def id(self) -> str:
        return str(self.attributes.get("id") or "")

    @property
    def provider_alias(self) -> str:
        head, _, alias = self.provider.rpartition("].")
        return alias if head else ""

    def region(self, default: str) -> str:
        """Where it lives: its ARN's region, else its zone's, else the state's default provider's."""
        if isinstance(self.attributes.get("region"), str) and self.attributes["region"]:
            return str(self.attributes["region"])
        for key in ("arn", "kms_key_id"):
            found = _REGION_IN_ARN.match(str(self.attributes.get(key) or ""))
            if found:
                return found.group(1)
        zone = _ZONE.match(str(self.attributes.get("availability_zone") or ""))
        return zone.group(1) if zone else default


def provider_regions(instances: list[TfInstance], default: str) -> dict[str, str]:
    """Each provider alias's region, from what its resources show (ARNs, zones): a state records
    no provider configuration."""
    seen: dict[str, dict[str, int]] = {}
    for i in instances:
        found = i.region("")
        if found:
            counts = seen.setdefault(i.provider_alias, {})
            counts[found] = counts.get(found, 0) + 1
    return {alias: max(counts, key=lambda r: counts[r]) for alias, counts in seen.items()} | \
        ({"": default} if "" not in seen else {})


def _index(key: Any) -> str:
    if key is None:
        return ""
    return f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"


def load_state(path: Path) -> list[TfInstance]:
    """Every managed resource instance of a version-4 state; data sources are left out."""
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise StateError(f"--tfstate {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise StateError(f"--tfstate {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or "resources" not in doc:
        raise StateError(f"--tfstate {path}: not a Terraform state (no `resources`); write one with "
                         "`terraform state pull > terraform.tfstate`")
    if doc.get("version") != 4:
        raise StateError(f"--tfstate {path}: state format version {doc.get('version')!r}; this reads version 4 "
                         "(Terraform 0.12 and later: `terraform state pull` from a current Terraform writes it)")
    found = []
    for resource in doc["resources"]:
        if resource.get("mode") != "managed":
            continue
        module = resource.get("module")
        base = f"{module + '.' if module else ''}{resource['type']}.{resource['name']}"
        for instance in resource.get("instances") or []:
            if instance.get("deposed"):
                continue  # the old half of a create-before-destroy Terraform did not finish: not live config
            sensitive = {path[0]["value"] for path in instance.get("sensitive_attributes") or []
                         if path and path[0].get("type") == "get_attr"}
            found.append(TfInstance(base + _index(instance.get("index_key")), resource["type"],
                                    str(resource.get("provider", "")), dict(instance.get("attributes") or {}),
                                    sensitive, list(instance.get("dependencies") or []),
                                    int(instance.get("schema_version") or 0)))
    if not found:
        raise StateError(f"--tfstate {path}: no managed resources (only data sources, or an empty state)")
    return found


def older_schemas(instances: list[TfInstance]) -> list[str]:
    """Instances written by an older provider major than the schema this reads (their attribute
    names may differ: refresh the state with hashicorp/aws 5.x first)."""
    schemas = tf_schemas()
    return [f"{i.address}: schema version {i.schema_version} < {schemas[i.type]['version']} (an older "
            "hashicorp/aws wrote it: `terraform apply -refresh-only` with ~> 5.0 first)"
            for i in instances if i.type in schemas and i.schema_version < schemas[i.type]["version"]]


@cache
def tf_schemas() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())["types"]


# --- the Pulumi side: pulumi_aws's own classes ------------------------------------------------


@dataclass(frozen=True)
class PulumiProperty:
    name: str  # the engine's (camelCase) name
    is_list: bool
    is_map: bool
    nested: type | None  # the nested input/output class, if an object


def _nested_class(module: Any, annotation: str) -> type | None:
    for ref in re.findall(r"ForwardRef\('(?:outputs\.)?([A-Za-z0-9_]+)'\)", annotation):
        for where in ("_inputs", "outputs"):
            found = getattr(importlib.import_module(f"{module}.{where}"), ref, None) \
                if importlib.util.find_spec(f"{module}.{where}") else None
            if isinstance(found, type) and not issubclass(found, enum.Enum):  # an enum is a string
                return found
    return None


@cache
def pulumi_properties(cls: type) -> dict[str, PulumiProperty]:
    """Python property name -> the engine's name and shape, read from the generated class."""
    package = ".".join(cls.__module__.split(".")[:2])
    out = {}
    for python_name, member in vars(cls).items():
        getter = getattr(member, "fget", None)
        engine = getattr(getter, "_pulumi_name", None)
        if engine is None:
            continue
        annotation = str(getter.__annotations__.get("return", ""))
        head = annotation.split("ForwardRef")[0]
        out[python_name] = PulumiProperty(engine, "Sequence[" in head, "Mapping[" in head,
                                          _nested_class(package, annotation))
    return out


def resource_classes(token: str) -> tuple[type, type]:
    """(resource class, its Args class) of a pulumi_aws type token: aws:rds/instance:Instance."""
    _, module, name = token.split(":")
    resource = getattr(importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), name)
    # From the resource's own module: a package may export a nested type of the same name
    # (s3's BucketVersioningArgs is also the legacy Bucket's versioning block: then the resource's
    # own is BucketVersioningInitArgs).
    module_ = importlib.import_module(resource.__module__)
    return resource, getattr(module_, f"{name}InitArgs", None) or getattr(module_, f"{name}Args")


def _python_name(tf_name: str, props: Mapping[str, PulumiProperty]) -> str | None:
    for candidate in (tf_name, tf_name + "s", tf_name + "es", tf_name[:-1] + "ies" if tf_name.endswith("y") else ""):
        if candidate in props:
            return candidate
    # The bridge's renames where a Terraform name would shadow a Pulumi one (alarm_name -> name).
    for python_name in props:
        if tf_name.endswith("_" + python_name) and tf_name.split("_")[0] in ("alarm", "bucket", "cluster"):
            return python_name
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _convert(value: Any, prop: PulumiProperty | None, schema: Mapping[str, Any] | None) -> Any:
    # A scalar stays one: a property typed "text or document" (a policy) holds the text.
    if prop is None or prop.nested is None or not isinstance(value, (list, dict)):
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return [_convert_object(v, None, None) for v in value]
        return value
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    converted = [_convert_object(item, prop.nested, schema) for item in items if isinstance(item, dict)]
    if prop.is_list:
        return converted
    return converted[0] if converted else None


def _convert_object(attrs: Mapping[str, Any], cls: type | None, schema: Mapping[str, Any] | None,
                    only_inputs: bool = False) -> dict[str, Any]:
    props = pulumi_properties(cls) if cls is not None else {}
    blocks = (schema or {}).get("blocks", {})
    out = {}
    for tf_name, value in attrs.items():
        if tf_name in ("timeouts", "tags_all") or value is None:
            continue
        python_name = _python_name(tf_name, props) if props else None
        prop = props.get(python_name) if python_name else None
        if props and prop is None:
            continue  # not a property of the Pulumi type (an attribute the bridge drops)
        engine = prop.name if prop else _camel(tf_name)
        converted = _convert(value, prop, blocks.get(tf_name))
        if converted is None or converted == [] or converted == "":
            continue
        out[engine] = converted
    return out


@dataclass
class PulumiState:
    inputs: dict[str, Any]  # what the program's inputs are compared with
    outputs: dict[str, Any]  # what the resource answers with (id, ARN, endpoint, ...)
    secret: set[str]  # engine names of sensitive inputs


def pulumi_shape(instance: TfInstance, token: str, not_read_back: frozenset[str] = frozenset()) -> PulumiState:
    """The instance as Pulumi would hold it after `pulumi import`: outputs are every attribute the
    Pulumi type has; inputs those its Args class takes (an import records what the provider reads
    back, so attributes AWS never returns — `not_read_back` — are absent)."""
    resource_cls, args_cls = resource_classes(token)
    schema = tf_schemas().get(instance.type, {})
    attrs = {k: v for k, v in instance.attributes.items() if k != "id"}
    outputs = _convert_object(attrs, resource_cls, schema)
    inputs = _convert_object({k: v for k, v in attrs.items() if k not in not_read_back}, args_cls, schema)
    flags = schema.get("attributes", {})
    # Computed-only attributes are never inputs, whatever the Pulumi class says.
    inputs = {k: v for k, v in inputs.items()
              if not any(_matches(tf, k, args_cls) and flags.get(tf) == "c" for tf in flags)}
    secret = {engine for tf in instance.sensitive if (engine := _engine_name(tf, args_cls)) and engine in inputs}
    return PulumiState(inputs, outputs, secret)


def _engine_name(tf_name: str, cls: type) -> str | None:
    props = pulumi_properties(cls)
    python_name = _python_name(tf_name, props)
    return props[python_name].name if python_name else None


def _matches(tf_name: str, engine: str, cls: type) -> bool:
    return _engine_name(tf_name, cls) == engine


def optional_only(instance_type: str) -> set[str]:
    """Attributes a config sets and nothing computes: removing one from the config changes it."""
    flags = tf_schemas().get(instance_type, {}).get("attributes", {})
    return {name for name, f in flags.items() if "o" in f and "c" not in f}
