"""Builds the GSTN client for a company GSTIN from IMS Settings, with its session kept in the
cache (Redis) so an OTP entered in the browser serves the background jobs that follow."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.utils.password import (
	get_decrypted_password,
	remove_encrypted_password,
	set_encrypted_password,
)

from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.settings import GSP, SANDBOX, ConnectionSettings

MODES = {"Sandbox": SANDBOX, "GSP API": GSP}


class CacheSessionStore:
	"""The GSTN session of one GSTIN: in Redis (shared at once by every worker and request),
	with an encrypted copy in the database (`__Auth`, as Frappe keeps passwords), because
	`bench build` flushes Redis and a lost session costs the user a new OTP. The copy is
	written in the caller's transaction: if a job rolls back after a token refresh, Redis still
	has the new token and the copy the older one, which is no worse than having none."""

	def __init__(self, gstin: str, ttl: int = 24 * 3600):
		self.key = f"ims_gstn_session::{gstin}"
		self.fieldname = f"gstn_session_{gstin}"
		self.ttl = ttl

	def load(self) -> dict | None:
		session = frappe.cache.get_value(self.key, expires=True)  # never from the per-request copy
		if session is None:
			stored = get_decrypted_password(
				"IMS Settings", "IMS Settings", self.fieldname, raise_exception=False
			)
			if stored:
				session = json.loads(stored)
				frappe.cache.set_value(self.key, session, expires_in_sec=self.ttl)
		return session

	def save(self, session: dict) -> None:
		if session:
			frappe.cache.set_value(self.key, session, expires_in_sec=self.ttl)
			set_encrypted_password("IMS Settings", "IMS Settings", json.dumps(session), self.fieldname)
		else:
			frappe.cache.delete_value(self.key)
			remove_encrypted_password("IMS Settings", "IMS Settings", self.fieldname)


def connection_mode() -> str:
	return frappe.db.get_single_value("IMS Settings", "connection_mode") or "Sandbox"


def make_client(company_gstin: str) -> GstnClient:
	settings = frappe.get_single("IMS Settings")
	mode = settings.connection_mode or "Sandbox"
	if mode not in MODES:
		frappe.throw(
			_("The connection is set to {0}: use Import Portal File / the offline JSON instead.").format(
				mode
			),
			title=_("No API Connection"),
		)
	row = next((r for r in settings.company_gstins if r.gstin == company_gstin), None)
	if not row:
		frappe.throw(_("Company GSTIN {0} is not configured in IMS Settings").format(company_gstin))
	timeout = float(settings.request_timeout or 60)
	return GstnClient(
		ConnectionSettings(
			base_url=settings.base_url or "http://127.0.0.1:8765",
			gstin=company_gstin,
			username=row.gstn_username or "",
			mode=MODES[mode],
			client_id=settings.gsp_client_id or "",
			client_secret=settings.get_password("gsp_client_secret", raise_exception=False) or "",
			gstn_public_key=settings.gstn_public_key or None,
			read_timeout=timeout,
		),
		store=CacheSessionStore(company_gstin),
		on_exchange=_log_exchange,
	)


def _log_exchange(exchange) -> None:
	"""Every GSTN request/response, already redacted by the client (no tokens, keys or OTPs)."""
	frappe.logger("ims_compliance.gstn", allow_site=True).info(exchange)
