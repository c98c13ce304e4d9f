"""Who may write GST Inward Supply rows through the document API (issue 14).

The rows are GSTN's records plus the app's decisions about them; every change must go through
a service that applies the rules (ingest for GSTN's values, the action service for actions
P1/R3-R7, the link service for pairings P2) and logs it (P3). Most services write in bulk with
SQL and never reach the controller. A service (or a test building rows) that does go through
the document API marks its writes with `service_write(...)`; the controller refuses every
other insert, change and delete, whatever the path: REST `PUT /api/resource`, the desk form,
`frappe.client.set_value`/`save`/`insert`, bulk edit, Data Import.

The mark lives in `frappe.flags` (request-local, set only by server code), never in `doc.flags`,
which a client can try to smuggle in through a document dict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe

FLAG = "ims_service_write"


@contextmanager
def service_write(service: str) -> Iterator[None]:
	"""Mark the document-API writes made inside as the named service's (nests)."""
	previous = frappe.flags.get(FLAG)
	frappe.flags[FLAG] = service
	try:
		yield
	finally:
		frappe.flags[FLAG] = previous


def writing_service() -> str | None:
	"""The service whose writes are in progress, if any."""
	return frappe.flags.get(FLAG) or None
