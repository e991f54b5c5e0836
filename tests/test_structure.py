"""The repository's seams: every stack's URNs and inputs as recorded (a rename without an alias is a
replacement in production), imports that run one way, and a policy pack that stands on its own."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.snapshot_urns import OUT, RUNS, snapshot

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("stack", "project_dir"), RUNS, ids=[s for s, _ in RUNS])
def test_urns_and_inputs_are_as_recorded(stack, project_dir):
    recorded = json.loads((OUT / f"{stack}.json").read_text())
    found = snapshot(stack, project_dir)
    assert sorted(set(recorded) - set(found)) == [], "URNs gone (a rename needs an alias; then re-record)"
    assert sorted(set(found) - set(recorded)) == [], "new URNs: re-record with `python -m tools.snapshot_urns`"
    changed = sorted(u for u in found if found[u] != recorded[u])
    assert changed == [], "inputs changed: intended? re-record with `python -m tools.snapshot_urns`"


def _imports(path: Path, package: str, modules: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Modules a file imports (relative imports resolved), type-checking-only ones included.
    `from pkg import sub` of a module in `modules` depends on pkg.sub, not on pkg's __init__
    (a package is initialised before its submodules: that is no cycle)."""
    tree = ast.parse(path.read_text())
    module = ".".join([*package.split("."), *([] if path.stem == "__init__" else [path.stem])])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (path.stem == "__init__")]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            named = {f"{target}.{a.name}" for a in node.names}
            found |= named | ({target} if not named <= modules else set())
    return found


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join([package, *(parts[:-1] if parts[-1] == "__init__" else parts)])


def _graph(folder: str, package: str) -> dict[str, set[str]]:
    """Which of a package's modules (subpackages included) import which."""
    root = ROOT / folder
    modules = {_module_name(p, root, package): p for p in root.rglob("*.py")}
    names = set(modules)
    return {name: {i for i in _imports(path, name.rpartition(".")[0] if path.stem != "__init__" else name, names)
                   if i in modules and i != name}
            for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


@pytest.mark.parametrize(("folder", "package"), [("components", "components"), ("preflight", "preflight"),
                                                 ("policies/elite_policies", "elite_policies")])
def test_no_import_cycles(folder, package):
    graph = _graph(folder, package)
    assert len(graph) > 5 and any(graph.values()), graph  # the graph was read, not empty
    assert _cycle(graph) == []


def test_no_upward_or_sideways_imports():
    """Components know nothing of the preflight or the pack; the pack knows nothing of either."""
    for folder, package, forbidden in (("components", "components", ("preflight", "policies", "elite_policies")),
                                       ("policies/elite_policies", "elite_policies", ("preflight", "components"))):
        for path in (ROOT / folder).rglob("*.py"):
            names = _imports(path, package)
            bad = sorted(n for n in names if n.split(".")[0] in forbidden)
            assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


# The preflight's rooms, in the order work flows through them: a room imports only the rooms
# before it (the command line and the README generator, at the top, use them all).
ROOMS = ("engine", "plan", "reports")


def _package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1])


def test_preflight_rooms_import_only_earlier_rooms():
    for index, room in enumerate(ROOMS):
        later = {f"preflight.{r}" for r in ROOMS[index + 1:]} | {"preflight.cli", "preflight.readme"}
        files = list((ROOT / "preflight" / room).rglob("*.py"))
        assert files, room
        for path in files:
            names = _imports(path, _package_of(path))
            bad = sorted(n for n in names if any(n == m or n.startswith(m + ".") for m in later))
            assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"
    loose = sorted(p.name for p in (ROOT / "preflight").glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "cli.py", "readme.py"], loose


def test_no_sys_path_edits_in_the_product():
    for folder in ("components", "preflight", "policies", "bootstrap", "baseline"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            assert "sys.path.insert" not in text and "sys.path.append" not in text, path.relative_to(ROOT)


def _distributions_required(names: set[str]) -> set[str]:
    """The distributions `names` bring with them (their requirements, transitively; extras that
    need to be asked for are not followed)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [metadata.distribution(n).metadata["Name"] for n in names]
    while todo:
        name = todo.pop()
        key = name.lower().replace("-", "_")
        if key in seen:
            continue
        seen.add(key)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def test_the_pack_stands_in_its_own_folder():
    """From policies/ alone, as `pulumi policy publish` uploads it: its modules import nothing of the
    repository above it, and every other module they load belongs to a distribution its
    requirements name (or bring with them)."""
    from importlib import metadata

    requirements = {line.split("==")[0].strip() for line in (ROOT / "policies" / "requirements.txt").read_text()
                    .splitlines() if line.strip() and not line.startswith("#")}
    allowed = _distributions_required(requirements)
    code = ("import sys, json, elite_policies, elite_policies.budget, elite_policies.pricing.cost, "
            "elite_policies.property_map, elite_policies.frameworks, elite_policies.reference\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names))))")
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, '.'); {code}"],  # noqa: S603
                          cwd=ROOT / "policies", capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"preflight", "components", "tools", "tests"}, loaded
    owners = metadata.packages_distributions()
    unowned = sorted(m for m in loaded - {"elite_policies", "__main__", "__mp_main__"}
                     if not m.startswith("__editable__") and owners.get(m)
                     and not {d.lower().replace("-", "_") for d in owners[m]} & allowed)
    assert unowned == [], f"the pack loads {unowned}: not in policies/requirements.txt nor brought by it"
    direct = {"yaml": "PyYAML", "pulumi": "pulumi", "pulumi_policy": "pulumi-policy"}
    for module, distribution in direct.items():  # imported by the pack itself: named, not borrowed
        assert module in loaded and distribution in requirements, (module, requirements)
