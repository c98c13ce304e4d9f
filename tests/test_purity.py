"""The pure core must never load frappe: it runs in CI without a bench and in the sandbox."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import ims_compliance

PURE_PACKAGES = ("ims_compliance.core", "ims_compliance.gstn")


def _modules(package: str) -> list[str]:
	path = Path(ims_compliance.__file__).parent / package.split(".", 1)[1]
	if not path.exists():
		return []
	return [package] + [f"{package}.{m.name}" for m in pkgutil.walk_packages([str(path)], prefix="")]


def test_pure_packages_do_not_import_frappe():
	modules = [m for p in PURE_PACKAGES for m in _modules(p) if not m.endswith("__main__")]
	assert "ims_compliance.core.gstin" in modules
	code = (
		"import importlib, sys\n"
		f"for m in {modules!r}: importlib.import_module(m)\n"
		"bad = sorted(m for m in sys.modules if m == 'frappe' or m.startswith(('frappe.', 'erpnext')))\n"
		"print(bad); sys.exit(1 if bad else 0)\n"
	)
	result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
	assert result.returncode == 0, result.stdout + result.stderr
