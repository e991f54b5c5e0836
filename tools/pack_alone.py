"""The policy pack as `pulumi policy publish` ships it: its folder copied on its own, a fresh virtualenv
with only `policies/requirements.txt`, every module imported, and `__main__.py` started until it prints
the port it serves the engine on (what the Pulumi CLI waits for).

    python -m tools.pack_alone        (needs a package index; about a minute)

tests/test_structure.py checks the same without installing anything (the modules the pack loads all
belong to distributions its requirements bring); this is the proof with nothing else present.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_ALL = """
import importlib, json, pkgutil, sys
import elite_policies
modules = [m.name for m in pkgutil.walk_packages(elite_policies.__path__, "elite_policies.")]
for name in modules:
    importlib.import_module(name)
print(json.dumps({"modules": len(modules), "policies": len(elite_policies.ALL_POLICIES),
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names))}))
"""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pack-alone-") as work:
        pack, env = Path(work) / "policies", Path(work) / "venv"
        shutil.copytree(ROOT / "policies", pack, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
        venv.create(env, with_pip=True)
        python = env / "bin" / "python"
        subprocess.run([python, "-m", "pip", "install", "-q", "-r", pack / "requirements.txt"], check=True)
        found = subprocess.run([python, "-I", "-c", f"import sys; sys.path.insert(0, '.'){IMPORT_ALL}"],
                               cwd=pack, capture_output=True, text=True, check=False)
        if found.returncode:
            print(found.stderr, file=sys.stderr)
            return 1
        print(f"imported alone: {found.stdout.strip()}")
        with subprocess.Popen([python, "__main__.py"], cwd=pack, stdout=subprocess.PIPE, text=True) as served:
            port = served.stdout.readline().strip() if served.stdout else ""
            served.terminate()
        if not port.isdigit():
            print(f"__main__.py printed {port!r}, not the port it serves on", file=sys.stderr)
            return 1
        print(f"__main__.py serves the engine on port {port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
