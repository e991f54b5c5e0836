"""Run the policy pack through its real entry point, the way `pulumi preview --policy-pack` does.

`policies/__main__.py` is started as a process; it prints the port of its Analyzer gRPC server.
We then speak the Analyzer protocol with the Pulumi SDK's own protobufs: GetAnalyzerInfo,
ConfigureStack, Configure (the stack's policy config, validated against each policy's schema
as the CLI validates it), Analyze for every resource, AnalyzeStack once. Props go over the wire
exactly as the program's SDK serialized them (unknowns and secrets included).

A pack that fails to start, a config that does not match a schema, or a policy that raises is an
AnalyzerError — never a pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .runner import PROJECT_DIR, Registration

POLICY_DIR = PROJECT_DIR / "policies"
LEVELS = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY,
          "disabled": analyzer_pb2.DISABLED, "remediate": analyzer_pb2.REMEDIATE}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
START_TIMEOUT_SECONDS = 60


class AnalyzerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    severity: str
    urn: str
    message: str


@dataclass
class PolicyRun:
    pack: str
    version: str
    policies: list[dict[str, Any]]
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]


def _pack_version(pack_dir: Path, reported: str) -> str:
    # Python packs report 0.0.1; the CLI takes the version from PulumiPolicy.yaml.
    import yaml

    manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    return str(manifest.get("version", reported))


def load_policy_config(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise AnalyzerError(f"policy config {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise AnalyzerError(f"policy config {path}: expected a JSON object of policy names")
    return loaded


def _policy_configs(info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, Any], source: str,
                    ) -> dict[str, analyzer_pb2.PolicyConfig]:
    """The CLI's treatment of --policy-pack-config: names must exist, levels must be valid,
    properties must match the policy's schema; schema defaults fill the gaps."""
    policies = {p.name: p for p in info.policies}
    default_level = config.get("all")
    unknown = sorted(k for k in config if k != "all" and k not in policies)
    if unknown:
        from difflib import get_close_matches

        named = [k + (f" (did you mean {near[0]}?)" if (near := get_close_matches(k, sorted(policies), n=1)) else "")
                 for k in unknown]
        raise AnalyzerError(f"{source}: no policy named {', '.join(named)} in pack {info.name}")
    result = {}
    for name, policy in policies.items():
        given = config.get(name, {})
        if isinstance(given, str):
            given = {"enforcementLevel": given}
        level_name = given.get("enforcementLevel", default_level)
        if level_name is not None and level_name not in LEVELS:
            raise AnalyzerError(f"{source}: {name}.enforcementLevel {level_name!r} is not one of "
                                f"{', '.join(LEVELS)}")
        properties = {k: v for k, v in given.items() if k != "enforcementLevel"}
        schema = json.loads(json.dumps(_to_python(policy.configSchema.properties))) \
            if policy.HasField("configSchema") else {}
        if properties and not schema:
            raise AnalyzerError(f"{source}: policy {name} takes no configuration (got {sorted(properties)})")
        json_schema = {"type": "object", "properties": schema, "additionalProperties": False,
                       "required": list(policy.configSchema.required)}
        merged = {k: v["default"] for k, v in schema.items() if "default" in v} | properties
        try:
            jsonschema.validate(merged, json_schema)
        except jsonschema.ValidationError as exc:
            location = ".".join(str(p) for p in exc.absolute_path) or "(config)"
            raise AnalyzerError(f"{source}: {name}.{location}: {exc.message}") from None
        struct = struct_pb2.Struct()
        struct.update(merged)
        result[name] = analyzer_pb2.PolicyConfig(
            enforcementLevel=LEVELS[level_name] if level_name else policy.enforcementLevel, properties=struct)
    return result


def _to_python(message: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf import json_format

    return json_format.MessageToDict(message)


def _options(reg: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=reg.protect, ignoreChanges=reg.ignore_changes, parent=reg.parent,
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=_seconds(reg.custom_timeouts.get("create")), update=_seconds(reg.custom_timeouts.get("update")),
            delete=_seconds(reg.custom_timeouts.get("delete"))))


def _seconds(duration: str | None) -> float:
    if not duration:
        return 0.0
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units.get(duration[-1], 1)


def _provider(reg: Registration, by_urn: Mapping[str, Registration]) -> analyzer_pb2.AnalyzerProviderResource | None:
    urn = "::".join(reg.provider.split("::")[:-1]) if reg.provider else ""
    provider = by_urn.get(urn)
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(type=provider.type, properties=provider.engine_inputs,
                                                 urn=provider.urn, name=provider.name)


class PolicyPackProcess:
    """The pack as the CLI runs it: a child process serving gRPC on the port it prints."""

    def __init__(self, pack_dir: Path = POLICY_DIR) -> None:
        self.pack_dir = pack_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: list[bytes] = []

    def __enter__(self) -> analyzer_pb2_grpc.AnalyzerStub:
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and pack
            [sys.executable, "-u", str(self.pack_dir / "__main__.py")], cwd=self.pack_dir,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        port = self._read_port()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        try:
            grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_SECONDS)
        except grpc.FutureTimeoutError:
            raise AnalyzerError(f"policy pack on port {port} did not answer") from None
        return analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _drain_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line)

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self._process.wait(timeout=10)
            self._reader.join(timeout=10)  # everything the failed pack wrote to stderr
            detail = b"".join(self._stderr).decode(errors="replace").strip().splitlines()
            raise AnalyzerError("policy pack failed to start: " + (detail[-1] if detail else f"printed {line!r}"))
        return int(line)

    def __exit__(self, *exc: object) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)


class PolicySession:
    """The pack started, introspected and configured before the program runs (a bad policy config
    is refused in seconds, and the pack's start overlaps the program), then asked about the
    program's resources. Use as a context manager; `analyze` may be called once."""

    def __init__(self, *, stack: str, project: str, preview: bool, policy_config: Mapping[str, Any],
                 config_source: str, pack_dir: Path = POLICY_DIR) -> None:
        started = time.perf_counter()
        self._process = PolicyPackProcess(pack_dir)
        self._analyzer = self._process.__enter__()
        try:
            info = self._analyzer.GetAnalyzerInfo(empty_pb2.Empty())
            self.run = PolicyRun(pack=info.name, version=_pack_version(pack_dir, info.version), policies=[
                {"name": p.name, "level": LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
                 "controls": [c.strip() for c in p.framework.reference.split(",") if c.strip()],
                 "tags": list(p.tags)}
                for p in info.policies])
            self._analyzer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack, project=project, organization="organization", dry_run=preview))
            configs = _policy_configs(info, policy_config, config_source)
            self._analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=configs))
        except grpc.RpcError as exc:
            self.close()
            raise AnalyzerError(f"policy pack failed: {exc.details()}") from None  # type: ignore[attr-defined]
        except BaseException:
            self.close()
            raise
        levels = {name: LEVEL_NAMES[c.enforcementLevel] for name, c in configs.items()}
        self.run.policies = [{**p, "level": levels[p["name"]]} for p in self.run.policies]
        self.setup_seconds = time.perf_counter() - started

    def __enter__(self) -> PolicySession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._process.__exit__(None, None, None)

    def analyze(self, resources: Sequence[Registration]) -> PolicyRun:
        started = time.perf_counter()
        analyzer, run = self._analyzer, self.run
        by_urn = {r.urn: r for r in resources}
        diagnostics: list[tuple[str, analyzer_pb2.AnalyzeDiagnostic]] = []
        try:
            for reg in resources:
                response = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(
                    type=reg.type, properties=reg.engine_inputs, urn=reg.urn, name=reg.name, options=_options(reg),
                    provider=_provider(reg, by_urn)))
                diagnostics.extend((reg.urn, d) for d in response.diagnostics)
            stack_response = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[
                analyzer_pb2.AnalyzerResource(
                    type=reg.type, properties=reg.engine_inputs, urn=reg.urn, name=reg.name, options=_options(reg),
                    provider=_provider(reg, by_urn), parent=reg.parent, dependencies=reg.dependencies,
                    propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                                          for k, v in reg.property_dependencies.items()})
                for reg in resources]))
            diagnostics.extend(("", d) for d in stack_response.diagnostics)
        except grpc.RpcError as exc:
            raise AnalyzerError(f"policy pack failed: {exc.details()}") from None  # type: ignore[attr-defined]
        finally:
            self.close()
        for urn, d in diagnostics:
            if d.message.startswith(f"can't run policy '{d.policyName}'"):
                continue  # a value unknown during preview; the pack's rules skip those themselves
            run.violations.append(Violation(
                policy=d.policyName, level=LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                severity=analyzer_pb2.PolicySeverity.Name(d.severity).removeprefix("POLICY_SEVERITY_").lower(),
                urn=d.urn or urn, message=d.message.removeprefix(d.description).strip()))
        run.seconds = self.setup_seconds + time.perf_counter() - started
        return run


def analyze(resources: Sequence[Registration], *, stack: str, project: str, preview: bool,
            policy_config: Mapping[str, Any], config_source: str, pack_dir: Path = POLICY_DIR) -> PolicyRun:
    """Start the pack, configure it and judge `resources` in one go."""
    session = PolicySession(stack=stack, project=project, preview=preview, policy_config=policy_config,
                            config_source=config_source, pack_dir=pack_dir)
    return session.analyze(resources)
