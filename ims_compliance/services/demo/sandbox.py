"""The demo's GSTN sandbox: started as a detached process when nothing serves the port, seeded and
edited through its control API, its records of this site's demo GSTIN removed again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

import frappe
from frappe import _
from frappe.utils import get_bench_path

from ims_compliance.core.demo_data import (
	DemoPlan,
	supplier_edit,
)
from ims_compliance.core.sections import DOWNLOAD_SECTIONS, SECTIONS
from ims_compliance.gstn.sandbox.state import document_key
from ims_compliance.services.demo.site import (
	SANDBOX_PORT,
	Log,
	demo_gstin,
	demo_plan,
	quiet,
	sandbox_state_path,
)
from ims_compliance.services.download import COUNTS_KEY


def sandbox_answers(url: str) -> bool:
	"""True when the IMS sandbox serves `url` (its control API answers); False when nothing
	listens there. Something else listening is an error worth stopping for."""
	try:
		response = requests.post(f"{url}/sandbox/stats", json={}, timeout=5)
	except requests.ConnectionError:
		return False
	try:
		if response.json().get("ok"):
			return True
	except ValueError:
		pass
	frappe.throw(
		_("Something other than the IMS sandbox answers on {0}: choose another port with --port.").format(
			url
		),
		title=_("Port In Use"),
	)


def ensure_sandbox(
	sandbox_url: str | None, port: int = SANDBOX_PORT, log: Log = quiet
) -> tuple[str, int | None]:
	"""The sandbox's URL, and the process id when this call started it: `python -m
	ims_compliance.gstn.sandbox` from the bench's Python, detached, its state in
	sites/ims-sandbox-<port>.json and its log in logs/ims-sandbox.log, so it outlives the command."""
	if sandbox_url:
		if not sandbox_answers(sandbox_url):
			frappe.throw(_("No IMS sandbox answers on {0}").format(sandbox_url), title=_("No Sandbox"))
		return sandbox_url.rstrip("/"), None
	url = f"http://127.0.0.1:{port}"
	if sandbox_answers(url):
		log(_("The GSTN sandbox already runs on {0}").format(url))
		return url, None
	with socket.socket() as probe:  # a port held by a process that answers nothing
		if probe.connect_ex(("127.0.0.1", port)) == 0:
			frappe.throw(
				_("Port {0} is in use: choose another with --port.").format(port), title=_("Port In Use")
			)
	state = sandbox_state_path(port)
	log_path = os.path.join(get_bench_path(), "logs", "ims-sandbox.log")
	os.makedirs(os.path.dirname(log_path), exist_ok=True)
	with open(log_path, "a") as output:
		process = subprocess.Popen(
			[sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port), "--state", state],
			stdout=output,
			stderr=subprocess.STDOUT,
			stdin=subprocess.DEVNULL,
			start_new_session=True,  # not killed with the bench command's terminal
			cwd=frappe.local.sites_path,
		)
	deadline = time.monotonic() + 20
	while time.monotonic() < deadline:
		if process.poll() is not None:
			frappe.throw(
				_("The GSTN sandbox stopped at once (exit code {0}); see {1}").format(
					process.returncode, log_path
				),
				title=_("Sandbox Failed"),
			)
		if sandbox_answers(url):
			log(_("Started the GSTN sandbox on {0} (process {1}, state {2})").format(url, process.pid, state))
			return url, process.pid
		time.sleep(0.2)
	frappe.throw(_("The GSTN sandbox did not answer within 20 seconds; see {0}").format(log_path))


def seed_sandbox(url: str, plan: DemoPlan) -> int:
	"""Add the plan's IMS records the sandbox does not hold yet (by GSTN's document key), so a
	re-run neither duplicates them nor undoes actions or supplier edits made since."""
	missing: dict[str, list[dict]] = {}
	for code, records in plan.records.items():
		held = {document_key(code, r) for r in _sandbox_records(url, code)}
		todo = [r for r in records if document_key(code, r) not in held]
		if todo:
			missing[code] = todo
	if not missing:
		return 0
	return int(_control(url, "records", {"gstin": demo_gstin(), "records": missing}))


def _sandbox_records(url: str, code: str) -> list[dict]:
	response = requests.get(
		f"{url}/sandbox/records", params={"gstin": demo_gstin(), "section": code}, timeout=30
	)
	response.raise_for_status()
	return response.json()


def _control(url: str, name: str, body: dict):
	response = requests.post(f"{url}/sandbox/{name}", json=body, timeout=60)
	answer = response.json()
	if not answer.get("ok"):
		frappe.throw(_("The sandbox refused {0}: {1}").format(name, answer.get("error")), title=_("Sandbox"))
	return answer["result"]


def apply_supplier_edit(
	*,
	size: int = 300,
	suppliers: int = 40,
	sandbox_url: str | None = None,
	port: int = SANDBOX_PORT,
	today=None,
) -> dict:
	"""The supplier edits its unfiled demo invoice (R9): the next download marks the record
	"changed by supplier", voids any action on it, and reconciliation calls it a Mismatch.
	Setting the same values again changes nothing, so a second call is harmless."""
	plan = demo_plan(size, suppliers, today)
	url = (sandbox_url or f"http://127.0.0.1:{port}").rstrip("/")
	if not sandbox_answers(url):
		frappe.throw(
			_("No IMS sandbox answers on {0}: run ims-demo first.").format(url), title=_("No Sandbox")
		)
	edit = supplier_edit(plan)
	record = _control(url, "edit", edit)
	# GSTN's section counts do not move when a supplier edits a record nobody has acted on, so
	# the download, which skips sections whose counts did not change, would not look: forget
	# the counts it remembers and the next download reads every section
	frappe.cache.delete_value(COUNTS_KEY.format(demo_gstin()))
	return {"edit": edit, "record": record}


def remove_sandbox_records(url: str) -> int:
	"""The demo GSTIN's records, one by one through the sandbox's `remove` control (the sandbox
	may serve other GSTINs, so `clear` is not an option). Nothing when no sandbox answers."""
	try:
		if not sandbox_answers(url):
			return 0
	except frappe.ValidationError:
		return 0
	removed = 0
	for code in DOWNLOAD_SECTIONS:
		sec = SECTIONS[code]
		for record in _sandbox_records(url, code):
			_control(
				url,
				"remove",
				{
					"gstin": demo_gstin(),
					"section": code,
					"stin": record["stin"],
					"number": record[sec.number_key],
					"date": record[sec.date_key],
				},
			)
			removed += 1
	return removed
