"""Scheduled downloads: each company GSTIN with auto-download on is downloaded once a day, at
or after its configured time (never before, never twice). Runs from a 5-minute cron tick. The
daily run is a full download: section counts do not move when a supplier edits a record whose
action stays "No Action", so skipping sections by counts alone could miss such edits for days."""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.utils import get_datetime, get_time, getdate


def due_gstins(now: dt.datetime) -> list[dict]:
	rows = frappe.get_all(
		"IMS Company GSTIN",
		filters={"parent": "IMS Settings", "auto_download": 1},
		fields=["name", "gstin", "download_time", "last_auto_download_on"],
	)
	due = []
	for row in rows:
		at = get_time(row.download_time or "07:00:00")
		already_today = row.last_auto_download_on and getdate(row.last_auto_download_on) >= now.date()
		if now.time() >= at and not already_today:
			due.append(row)
	return due


def enqueue_scheduled_downloads(now: dt.datetime | None = None, *, commit: bool = True) -> list[str]:
	"""The cron entry point. Marks the day before enqueueing, so a second tick cannot enqueue
	the same GSTIN again while the first job is still queued."""
	now = get_datetime(now) if now else frappe.utils.now_datetime()
	started = []
	for row in due_gstins(now):
		frappe.db.set_value(
			"IMS Company GSTIN", row.name, "last_auto_download_on", now.date(), update_modified=False
		)
		frappe.enqueue(
			"ims_compliance.services.download.download_job",
			queue="long",
			timeout=3600,
			job_id=f"ims-download::{row.gstin}",
			deduplicate=True,
			company_gstin=row.gstin,
			scheduled=True,
			force=True,
		)
		started.append(row.gstin)
	if commit:
		frappe.db.commit()  # nosemgrep: scheduler event; the day's mark must persist with the enqueue
	return started
