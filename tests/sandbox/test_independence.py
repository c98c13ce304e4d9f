"""The sandbox stands on the published rules alone: it imports nothing from ims_compliance
outside its own package, so a mistake in the client's crypto, names or payload builders cannot be
agreed to on both sides (issue 13)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ims_compliance.gstn.sandbox as sandbox

PACKAGE = "ims_compliance.gstn.sandbox"
ROOT = Path(sandbox.__file__).parent


def _imports(path: Path) -> list[str]:
	names = []
	for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
		if isinstance(node, ast.Import):
			names += [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom):
			if node.level:  # a relative import stays inside the package only at level 1
				names.append(PACKAGE if node.level == 1 else "<outside: relative level >1>")
			else:
				names.append(node.module or "")
	return names


def test_the_sandbox_imports_no_ims_compliance_module_outside_itself():
	files = sorted(ROOT.rglob("*.py"))
	assert {p.name for p in files} >= {"api.py", "wire.py", "schema.py", "vocabulary.py", "gsp.py"}
	outside = {
		f"{path.name}: {name}"
		for path in files
		for name in _imports(path)
		if (name == "ims_compliance" or name.startswith("ims_compliance.") or name.startswith("<outside"))
		and not (name == PACKAGE or name.startswith(PACKAGE + "."))
	}
	assert not outside, outside


def test_loading_the_sandbox_loads_none_of_the_clients_modules():
	"""The client's constants (crypto, protocol, errors, payloads, core) are not even loaded."""
	code = (
		"import sys\n"
		"import ims_compliance.gstn.sandbox.__main__, ims_compliance.gstn.sandbox.server\n"
		f"print(sorted(m for m in sys.modules if m.startswith('ims_compliance') and not m.startswith({PACKAGE!r})))\n"
	)
	result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
	assert result.stdout.strip() == "['ims_compliance', 'ims_compliance.gstn']", result.stdout
