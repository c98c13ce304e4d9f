"""Builds the GSTN client for a company GSTIN from IMS Settings (mode, GSP profile and its
credentials, API versions, the end user's IP, the per-job call cap), with its session kept in the
cache (Redis) so an OTP entered in the browser serves the background jobs that follow, and every
exchange logged as one Frappe Integration Request (redacted, bodies clipped)."""

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
from ims_compliance.gstn.gsp import get_profile
from ims_compliance.gstn.settings import GSP, SANDBOX, ConnectionSettings

MODES = {"Sandbox": SANDBOX, "GSP API": GSP}
#: Integration Request's service name for every GSTN exchange (filter the list by it).
SERVICE = "GSTN (IMS)"
_LOG_CHARS = 4000  # per Integration Request field: one row per exchange, never a whole download


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
		ip = request_ip()
		if session and ip:
			# the IP of the user who logged in: jobs they start later send it as ip-usr
			session = {**session, "ip_usr": ip}
		if session:
			frappe.cache.set_value(self.key, session, expires_in_sec=self.ttl)
			set_encrypted_password("IMS Settings", "IMS Settings", json.dumps(session), self.fieldname)
		else:
			frappe.cache.delete_value(self.key)
			remove_encrypted_password("IMS Settings", "IMS Settings", self.fieldname)


def connection_mode() -> str:
	return frappe.db.get_single_value("IMS Settings", "connection_mode") or "Sandbox"


def make_client(company_gstin: str, *, ip_usr: str | None = None) -> GstnClient:
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
	store = CacheSessionStore(company_gstin)
	profile = get_profile(settings.get("gsp_profile") or None)
	sandbox = MODES[mode] == SANDBOX
	return GstnClient(
		ConnectionSettings(
			base_url=settings.base_url or "http://127.0.0.1:8765",
			gstin=company_gstin,
			username=row.gstn_username or "",
			mode=MODES[mode],
			client_id=settings.gsp_client_id or "",
			client_secret=settings.get_password("gsp_client_secret", raise_exception=False) or "",
			gstn_public_key=settings.gstn_public_key or None,
			gsp_profile=profile.name,
			credentials=_gsp_credentials(settings),
			endpoint_versions={
				name: version
				for name, version in (
					("authenticate", settings.get("auth_api_version")),
					("ims", settings.get("ims_api_version")),
					("gstr2b", settings.get("gstr2b_api_version")),
				)
				if version
			},
			ip_usr=ip_usr or end_user_ip(store, settings),
			read_timeout=timeout,
			max_calls=int(settings.get("max_calls_per_job") or 0) or None,
			# our sandbox's `est` is minutes like GSTN's, but its files are ready in seconds
			est_unit=1.0 if sandbox else None,
		),
		store=store,
		on_exchange=_exchange_logger(company_gstin),
	)


def _gsp_credentials(settings) -> dict[str, str]:
	def password(fieldname: str) -> str:
		return settings.get_password(fieldname, raise_exception=False) or ""

	return {
		"cust_id": settings.get("gsp_cust_id") or "",
		"asp_id": settings.get("gsp_asp_id") or "",
		"asp_secret": password("gsp_asp_secret"),
		"asp_private_key": password("gsp_asp_private_key"),
	}


def request_ip() -> str | None:
	"""The public IP of the user of this web request (None in a job or the console)."""
	request = getattr(frappe.local, "request", None)
	return getattr(frappe.local, "request_ip", None) if request is not None else None


def end_user_ip(store: CacheSessionStore, settings) -> str:
	"""GSTN's ip-usr: the web request's user; in a job, the IP stored with the session by the
	user who logged in (and so started the work); else the fallback set in IMS Settings. Never
	a made-up 127.0.0.1 towards a GSP: the client refuses to call without one."""
	return (
		request_ip() or ((store.load() or {}).get("ip_usr") or "") or (settings.get("fallback_ip_usr") or "")
	)


def _exchange_logger(company_gstin: str):
	"""One Integration Request per exchange (Frappe's own log of calls to other systems, where
	an ERPNext admin looks), already redacted by the transport: no tokens, keys, OTPs, secrets.
	Bodies are clipped. In tests the row joins the test's transaction; otherwise it is written
	and committed on a connection of its own (`write_log_aside`), so a job that fails later keeps
	it, and the job's own transaction is never committed half-way by a call to GSTN (Frappe's
	`create_request_log` commits the caller's connection)."""

	def log(exchange: dict) -> None:
		status = exchange.get("status")
		failed = bool(exchange.get("error")) or not isinstance(status, int) or status >= 400
		doc = frappe.get_doc(
			{
				"doctype": "Integration Request",
				"integration_request_service": SERVICE,
				"status": "Failed" if failed else "Completed",
				"url": str(exchange.get("url") or "")[:1000],
				"request_description": f"{exchange.get('method', '')} {_action(exchange)} {company_gstin}"[
					:140
				],
				"reference_doctype": "IMS Settings",
				"reference_docname": "IMS Settings",
				"data": _clip(
					{k: exchange.get(k) for k in ("method", "url", "params", "request", "attempt")}
				),
				"output": _clip(
					{
						k: exchange.get(k)
						for k in ("status", "response", "bytes", "elapsed_ms")
						if k in exchange
					}
				),
				"error": _clip(exchange.get("error")) if exchange.get("error") else None,
				"request_headers": _clip(exchange.get("headers") or {}),
			}
		)
		try:
			if frappe.flags.in_test:
				doc.insert(ignore_permissions=True)
			else:
				write_log_aside(doc)
		except Exception:
			# the log must never break the GSTN conversation it describes
			frappe.logger("ims_compliance.gstn", allow_site=True).exception("Integration Request not written")
		frappe.logger("ims_compliance.gstn", allow_site=True).info(exchange)

	return log


def write_log_aside(doc) -> None:
	"""Insert a new log document (no controller of its own to run: Integration Request) and commit
	it on a short-lived second connection, leaving the caller's transaction as it is."""
	from frappe.model.naming import set_new_name

	now = frappe.utils.now_datetime()
	doc.creation = doc.modified = now
	doc.owner = doc.modified_by = frappe.session.user
	set_new_name(doc)
	values = doc.get_valid_dict(convert_dates_to_str=True, ignore_nulls=True)
	columns = ", ".join(f"`{column}`" for column in values)
	statement = f"insert into `tab{doc.doctype}` ({columns}) values ({', '.join(['%s'] * len(values))})"
	connection = frappe.db.create_connection()
	try:
		with connection.cursor() as cursor:
			cursor.execute(statement, list(values.values()))
		connection.commit()
	finally:
		connection.close()


def _action(exchange: dict) -> str:
	params = exchange.get("params") or {}
	if params.get("action"):
		return str(params["action"])
	request = str(exchange.get("request") or "")
	for name in ("OTPREQUEST", "AUTHTOKEN", "REFRESHTOKEN"):
		if name in request:
			return name
	return "file part" if exchange.get("bytes") is not None else ""


def _clip(value) -> str:
	text = value if isinstance(value, str) else frappe.as_json(value, indent=1)
	return text if len(text) <= _LOG_CHARS else text[:_LOG_CHARS] + f"\n... ({len(text)} characters)"


#: The global default that names the Custom DocPerm row this app added (so that uninstall removes
#: that row and never one an administrator made).
OWNED_LOG_PERMISSION = "ims_compliance_integration_request_perm"


def ensure_integration_request_access() -> None:
	"""Accounts Managers read the GSTN log: Integration Request is System Manager-only in
	Frappe, so a read permission is added once (idempotent; install and migrate). A row an
	administrator already gave the role is left as it is, and not recorded as ours."""
	doctype, role = "Integration Request", "Accounts Manager"
	if not frappe.db.exists("Role", role):
		return
	if frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0}):
		return
	from frappe.permissions import add_permission, setup_custom_perms

	setup_custom_perms(doctype)  # copies the standard perms first, as the Role Permissions Manager does
	if frappe.db.exists("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0}):
		return  # the standard perms give the role a row already: not ours to change or remove
	add_permission(doctype, role, 0)
	name = frappe.db.get_value("Custom DocPerm", {"parent": doctype, "role": role, "permlevel": 0})
	for ptype in ("read", "report", "export"):
		frappe.db.set_value("Custom DocPerm", name, ptype, 1)
	frappe.db.set_default(OWNED_LOG_PERMISSION, name)
	frappe.clear_cache(doctype=doctype)


def remove_integration_request_access() -> None:
	"""Uninstall: remove the permission row this app added, if it is still there; a row made by
	anyone else stays."""
	name = frappe.db.get_default(OWNED_LOG_PERMISSION)
	if name:
		frappe.db.delete("Custom DocPerm", {"name": name, "parent": "Integration Request"})
	frappe.db.set_default(OWNED_LOG_PERMISSION, None)
	frappe.clear_cache(doctype="Integration Request")


def test_connection(company_gstin: str, otp: str | None = None) -> dict:
	"""IMS Settings > Test Connection: with `otp`, log in with it; with a session, check it;
	without one, ask GSTN for an OTP. Then one GETCNT (the cheapest call that needs the whole
	chain: GSP authentication, GSTN session, payload protection). Returns what GSTN (or the GSP)
	answered, verbatim as logged (secrets masked), for the form to show escaped."""
	from ims_compliance.gstn.errors import GstnError

	client = make_client(company_gstin)
	seen: list[dict] = []
	logger = client.transport.on_exchange

	def capture(exchange: dict) -> None:
		seen.append(exchange)
		if logger:
			logger(exchange)

	client.transport.on_exchange = capture
	result: dict = {"gstin": company_gstin, "profile": client.profile.label, "ok": False}
	try:
		if otp:
			client.authenticate(otp)
		if not client.has_session:
			client.request_otp()
			result.update(otp_needed=True, ok=True)
		else:
			counts = client.get_counts()
			result.update(ok=True, total=counts.total)
	except GstnError as exc:
		result.update(code=exc.code, message=exc.message)
	finally:
		client.close()
	last = seen[-1] if seen else {}
	result["status"] = last.get("status")
	result["answer"] = last.get("response") or last.get("error") or ""
	result["calls"] = client.calls
	return result
