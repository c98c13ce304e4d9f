import json

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.portal_file import import_portal_file
from ims_compliance.tests.fixtures import COMPANY_GSTIN, COMPANY_GSTIN_2, SUPPLIER_GSTINS


def portal_json(gstin=COMPANY_GSTIN_2, numbers=("PF-1", "PF-2"), **overrides):
	record = {
		"stin": SUPPLIER_GSTINS["IMS Supplier Beta"],
		"idt": "10-10-2025",
		"val": 1180,
		"txval": 1000,
		"iamt": 180,
		"camt": 0,
		"samt": 0,
		"cess": 0,
		"pos": "27",
		"inv_typ": "R",
		"srcform": "R1",
		"rtnprd": "102025",
		"srcfilstatus": "Filed",
		"action": "N",
		"ispendactblocked": "N",
	}
	b2b = [{**record, "inum": n, "hash": f"h-{n}", **overrides} for n in numbers]
	return json.dumps({"gstin": gstin, "rtnprd": "102025", "data": {"b2b": b2b}}).encode()


class TestPortalFile(FrappeTestCase):
	def setUp(self):
		frappe.db.delete(supply_doctype(), {"company_gstin": COMPANY_GSTIN_2})

	def tearDown(self):
		frappe.db.rollback()

	def rows(self):
		return frappe.get_all(
			supply_doctype(), filters={"company_gstin": COMPANY_GSTIN_2}, pluck="document_number"
		)

	def test_import_then_reimport_changes_nothing(self):
		counts = import_portal_file(portal_json(), COMPANY_GSTIN_2)
		self.assertEqual((counts["new"], counts["records"]), (2, 2))
		self.assertEqual(sorted(self.rows()), ["PF-1", "PF-2"])
		again = import_portal_file(portal_json(), COMPANY_GSTIN_2)
		self.assertEqual((again["new"], again["unchanged"]), (0, 2))

	def test_wrong_gstin_is_refused_with_the_reason(self):
		with self.assertRaisesRegex(
			frappe.ValidationError, f"for GSTIN {COMPANY_GSTIN_2}, not {COMPANY_GSTIN}"
		):
			import_portal_file(portal_json(), COMPANY_GSTIN)
		self.assertEqual(self.rows(), [])

	def test_not_ims_json_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be imported"):
			import_portal_file(b"<html>not json</html>", COMPANY_GSTIN_2)
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be imported"):
			import_portal_file(json.dumps({"gstin": COMPANY_GSTIN_2, "hello": []}).encode(), COMPANY_GSTIN_2)

	def test_a_bad_record_names_section_index_and_key_and_nothing_is_saved(self):
		content = portal_json(numbers=("PF-OK", "PF-BAD"))
		data = json.loads(content)
		data["data"]["b2b"][1]["txval"] = "abc"
		with self.assertRaisesRegex(frappe.ValidationError, r"b2b\[1\].*txval"):
			import_portal_file(json.dumps(data).encode(), COMPANY_GSTIN_2)
		self.assertEqual(self.rows(), [])
