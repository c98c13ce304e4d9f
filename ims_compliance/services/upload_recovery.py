"""What earlier upload runs left open (issue 7), settled before a run sends anything new.

A request left "In Progress" is polled to its answer. One left "Sending" (the worker died
mid-PUT) or "Unknown" (the answer was lost) may or may not have reached GSTN: its rows are never
sent again until a download, taken once GSTN has certainly finished with it (`settle` seconds
after it was sent), says what GSTN holds. So no row is sent twice with a stale `prev_status`,
and none is lost. A request still "Queued" is sent as planned.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.upload_results import REQUEST

#: States of a request whose rows are still tied to it.
OPEN = ("Queued", "Sending", "In Progress", "Unknown")


class Recovery:
	"""Needs from the run: gstin, client, poll, result, commit_enabled, commit(), set_request(),
	await_result(), apply_deferred(), send_queued(), finish_from_gstn()."""

	def open_requests(self, *states: str) -> list[dict]:
		return frappe.get_all(
			REQUEST,
			filters={"company_gstin": self.gstin, "status": ("in", states or OPEN)},
			fields=["name", "status", "request_type", "reference_id", "sent_on", "creation"],
			order_by="creation asc",
		)

	def settle_open(self) -> bool:
		"""Poll what an earlier run left with GSTN, resolve what may have reached it, send what
		was planned but not sent. False when GSTN is still busy (the scheduler comes back)."""
		for request in self.open_requests("In Progress"):
			if not self.await_result(request.name, request.reference_id):
				return False
		for request in self.open_requests("Sending"):
			self.set_request(
				request.name, status="Unknown", gstn_error=_("The worker stopped while sending.")
			)
		self.commit()
		self.resolve_unknown()
		return self.send_queued()

	def resolve_unknown(self, now: tuple[str, ...] = ()) -> None:
		"""Requests whose PUT got no answer: once GSTN is surely done with them (`settle`
		seconds after they were sent), download their sections and let GSTN's records say, row
		by row, whether the action landed. Not sooner: a PUT whose answer was lost may reach
		GSTN after a later request of ours (a slow connection), so a later request's result
		proves nothing about it; the fault campaign caught exactly that. `now`: requests known to
		be finished (GSTN answered, but with errors we cannot place) resolve at once."""
		limit = add_to_date(now_datetime(), seconds=-self.poll.settle)
		ready = [
			r
			for r in self.open_requests("Unknown")
			if r.name in now or not r.sent_on or get_datetime(r.sent_on) <= limit
		]
		if not ready:
			return
		self.apply_deferred()  # written and committed before a download touches the rows
		names = [r.name for r in ready]
		sections = frappe.get_all(
			supply_doctype(), filters={"upload_request": ("in", names)}, pluck="section", distinct=True
		)
		if sections:
			from ims_compliance.services.download import download

			download(self.gstin, sections=sections, client=self.client, commit=self.commit_enabled)
		for name in names:
			self.result.resynced += self.finish_from_gstn(name)
			self.set_request(name, status="Resolved by Download", completed_on=now_datetime())
		self.commit()
