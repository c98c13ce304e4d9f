"""The connection glue: every GSTN exchange is one Integration Request (secrets masked) that an
Accounts Manager can read; Test Connection shows GSTN's answer; ip-usr is the end user's IP,
never a made-up one in GSP mode; the GSP profile chosen in IMS Settings drives a real
encrypted conversation with the independent sandbox."""

import tempfile

import frappe

from ims_compliance.gstn.errors import GstnError
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxConfig, SandboxServer
from ims_compliance.services.connection import (
	SERVICE,
	CacheSessionStore,
	end_user_ip,
	ensure_integration_request_access,
	make_client,
	test_connection,
)
from ims_compliance.services.download import download
from ims_compliance.tests.fixtures import ACCOUNTS_MANAGER, COMPANY_GSTIN_2
from ims_compliance.tests.sandbox_case import SandboxCase

GSTIN = COMPANY_GSTIN_2


def gstn_logs() -> list[dict]:
	return frappe.get_all(
		"Integration Request",
		filters={"integration_request_service": SERVICE},
		fields=["name", "status", "request_description", "request_headers", "data", "output", "url"],
		order_by="creation asc",
	)


class TestConnectionGlue(SandboxCase):
	def setUp(self):
		self.use_sandbox(GSTIN)
		self.sandbox.state.generate(GSTIN, 30, seed=5)
		frappe.db.delete("Integration Request", {"integration_request_service": SERVICE})

	def test_each_exchange_is_one_integration_request_with_secrets_masked(self):
		self.log_in(GSTIN)
		result = download(GSTIN, commit=False)
		logs = gstn_logs()
		# OTPREQUEST, AUTHTOKEN, then GETCNT and one GETINV per section: one row each
		self.assertEqual(len(logs), 2 + result["api_calls"])
		self.assertIn("OTPREQUEST", logs[0].request_description)
		self.assertTrue(any("GETCNT" in log.request_description for log in logs))
		token = CacheSessionStore(GSTIN).load()["auth_token"]
		for log in logs:
			self.assertNotIn(token, log.request_headers + log.data + log.output)
			self.assertNotIn(SANDBOX_OTP, log.data)
		self.assertIn('"auth-token": "***"', logs[-1].request_headers)
		self.assertTrue(all(log.status == "Completed" for log in logs))
		self.assertLessEqual(max(len(log.output) for log in logs), 4100)  # bodies clipped

	def test_in_a_job_each_log_is_committed_alone_and_the_jobs_work_is_not(self):
		"""Outside tests a GSTN call's log lands at once on a connection of its own: it survives
		the job's rollback, and the job's own uncommitted writes are not committed with it."""
		self.log_in(GSTIN)
		frappe.db.commit()  # nosemgrep: the session the download needs
		todo = frappe.get_doc({"doctype": "ToDo", "description": "the job's own write"}).insert().name
		frappe.flags.in_test = False
		try:
			result = download(GSTIN, commit=False)
		finally:
			frappe.flags.in_test = True
		frappe.db.rollback()  # the job fails after its calls
		try:
			self.assertFalse(frappe.db.exists("ToDo", todo))
			self.assertEqual(self.count_supplies(), 0)
			logs = gstn_logs()
			self.assertEqual(len(logs), 2 + result["api_calls"])  # the login's two, committed above
			self.assertTrue(all(log.status == "Completed" and log.name for log in logs))
			self.assertTrue(any("GETINV" in log.request_description for log in logs))
			owner, creation = frappe.db.get_value("Integration Request", logs[0].name, ["owner", "creation"])
			self.assertEqual(owner, "Administrator")
			self.assertIsNotNone(creation)
		finally:
			frappe.db.delete("Integration Request", {"integration_request_service": SERVICE})
			self.use_sandbox(GSTIN)
			frappe.db.commit()  # nosemgrep: the committed logs are removed

	def count_supplies(self) -> int:
		from ims_compliance.doctype_names import supply_doctype

		return frappe.db.count(supply_doctype(), {"company_gstin": GSTIN})

	def test_accounts_managers_read_the_gstn_log_and_the_grant_is_idempotent(self):
		ensure_integration_request_access()
		ensure_integration_request_access()
		rows = frappe.get_all(
			"Custom DocPerm", filters={"parent": "Integration Request", "role": "Accounts Manager"}
		)
		self.assertEqual(len(rows), 1)
		self.assertTrue(frappe.has_permission("Integration Request", "read", user=ACCOUNTS_MANAGER))

	def test_uninstall_removes_only_the_permission_row_it_added(self):
		from ims_compliance.services.connection import (
			OWNED_LOG_PERMISSION,
			remove_integration_request_access,
		)

		where = {"parent": "Integration Request", "role": "Accounts Manager", "permlevel": 0}
		try:
			# ours: added, recorded, removed
			frappe.db.delete("Custom DocPerm", where)
			frappe.db.set_default(OWNED_LOG_PERMISSION, None)
			ensure_integration_request_access()
			ours = frappe.db.get_value("Custom DocPerm", where)
			self.assertEqual(frappe.db.get_default(OWNED_LOG_PERMISSION), ours)
			remove_integration_request_access()
			self.assertFalse(frappe.db.exists("Custom DocPerm", where))
			# an administrator's: left alone by install and by uninstall
			from frappe.permissions import add_permission

			add_permission("Integration Request", "Accounts Manager", 0)
			admins = frappe.db.get_value("Custom DocPerm", where)
			frappe.db.set_value("Custom DocPerm", admins, "write", 1)
			ensure_integration_request_access()
			self.assertFalse(frappe.db.get_default(OWNED_LOG_PERMISSION))
			remove_integration_request_access()
			self.assertEqual(frappe.db.get_value("Custom DocPerm", where, ["name", "write"]), (admins, 1))
		finally:
			frappe.db.rollback()
			frappe.defaults._clear_cache("__default")
			frappe.clear_cache(doctype="Integration Request")

	def test_test_connection_asks_for_an_otp_then_shows_gstns_answer(self):
		first = test_connection(GSTIN)
		self.assertTrue(first["otp_needed"])
		self.assertIn('"status_cd"', first["answer"])
		wrong = test_connection(GSTIN, otp="000000")
		self.assertFalse(wrong["ok"])
		self.assertEqual(wrong["code"], "AUTH158")
		self.assertIn("AUTH158", wrong["answer"])  # GSTN's own words, as it sent them
		good = test_connection(GSTIN, otp=SANDBOX_OTP)
		self.assertTrue(good["ok"])
		self.assertEqual(good["total"], 30)
		self.assertIn("all_oth", good["answer"])
		again = test_connection(GSTIN)  # with the session: one GETCNT, no new OTP
		self.assertTrue(again["ok"] and not again.get("otp_needed"))
		self.assertEqual(again["calls"], 1)

	def test_ip_usr_is_the_users_not_a_made_up_one_in_gsp_mode(self):
		settings = frappe.get_single("IMS Settings")
		store = CacheSessionStore(GSTIN)
		store.save({"auth_token": "t", "ip_usr": "198.51.100.4"})  # stored by the user's log-in
		self.assertEqual(end_user_ip(store, settings), "198.51.100.4")
		store.save({})
		settings.fallback_ip_usr = "203.0.113.9"
		self.assertEqual(end_user_ip(store, settings), "203.0.113.9")
		settings.fallback_ip_usr = ""
		self.assertEqual(end_user_ip(store, settings), "")


class TestGspModeThroughSettings(SandboxCase):
	"""IMS Settings in GSP mode, plain profile, against the sandbox playing GSTN encrypted
	behind a GSP that checks clientid / client-secret."""

	def setUp(self):
		self.use_sandbox(GSTIN)
		self.tmp_gsp = tempfile.TemporaryDirectory()
		config = SandboxConfig(
			encrypted=True,
			gsp="plain",
			gsp_credentials={"clientid": "cid-9", "client-secret": "sec-9"},
			queue_threshold=20,
			part_size=15,
		)
		self.gsp = SandboxServer(state_path=f"{self.tmp_gsp.name}/s.json", port=0, config=config).start()
		self.gsp.state.generate(GSTIN, 60, seed=8)
		settings = frappe.get_single("IMS Settings")
		settings.connection_mode = "GSP API"
		settings.base_url = self.gsp.url
		settings.gsp_profile = "GSTN (clientid / client-secret)"
		settings.gsp_client_id = "cid-9"
		settings.gsp_client_secret = "sec-9"
		settings.gstn_public_key = self.gsp.certificate_pem
		settings.fallback_ip_usr = "203.0.113.10"
		settings.save()

	def tearDown(self):
		self.gsp.stop()
		self.tmp_gsp.cleanup()
		super().tearDown()

	def test_a_download_in_gsp_mode_interoperates_and_counts_its_calls(self):
		client = make_client(GSTIN)
		client.settings = client.settings.__class__(**{**client.settings.__dict__, "est_unit": 0.01})
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		result = download(GSTIN, commit=False, client=client)
		self.assertEqual(result.get("new"), 60)
		self.assertGreater(result["api_calls"], 8)  # GETCNT, GETINVs, FILEDET, parts

	def test_a_pem_private_key_fits_its_password_field(self):
		from cryptography.hazmat.primitives import serialization
		from cryptography.hazmat.primitives.asymmetric import rsa

		pem = (
			rsa.generate_private_key(public_exponent=65537, key_size=2048)
			.private_bytes(
				serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
			)
			.decode()
		)
		settings = frappe.get_single("IMS Settings")
		settings.gsp_asp_private_key = pem
		settings.save()
		self.assertEqual(frappe.get_single("IMS Settings").get_password("gsp_asp_private_key"), pem)

	def test_without_any_ip_gsp_mode_refuses_to_call(self):
		frappe.db.set_single_value("IMS Settings", "fallback_ip_usr", "")
		client = make_client(GSTIN)
		with self.assertRaises(GstnError) as caught:
			client.request_otp()
		self.assertEqual(caught.exception.code, "IP_USR")
