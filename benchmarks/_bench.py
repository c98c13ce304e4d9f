"""Shared by the benchmarks that measure on the Frappe bench: find the bench (IMS_BENCH, default
/opt/ims-bench) and the site (IMS_SITE, default ims.localhost), and re-run the calling script
inside the bench's Python (as the bench's user when called as root) with `--in-bench`."""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

BENCH = Path(os.environ.get("IMS_BENCH", "/opt/ims-bench"))
SITE = os.environ.get("IMS_SITE", "ims.localhost")


def bench_available() -> bool:
	return (BENCH / "env" / "bin" / "python").exists() and (BENCH / "sites" / SITE).is_dir()


def run_in_bench(script: str, args: list[str]) -> int:
	"""Run `script --in-bench args...` with the bench's Python from the sites folder; its output
	(metric lines) goes straight to ours."""
	command = [str(BENCH / "env" / "bin" / "python"), str(Path(script).resolve()), "--in-bench", *args]
	if os.geteuid() == 0:
		owner = pwd.getpwuid((BENCH / "sites").stat().st_uid).pw_name
		if owner != "root":
			command = ["runuser", "-u", owner, "--", *command]
	env = {**os.environ, "PYTHONPATH": str(Path(script).resolve().parent.parent)}
	return subprocess.call(command, cwd=BENCH / "sites", env=env)


def connect():
	"""Inside the bench: connect to the site as Administrator."""
	import frappe

	frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def peak_rss_mb() -> float:
	import resource

	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
