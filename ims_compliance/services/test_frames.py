"""Issue 18 on the bench: the reconcile reads pack each row into one string (frames.packed_sql)
and must give exactly the frame the plain read gives: NULL and empty text, NULL amounts and
dates, flags, text in any script; and a value holding the packing's separator falls back to
the plain read."""

from unittest.mock import patch

import pandas as pd
from pypika.functions import NullIf

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import frames, reconcile
from ims_compliance.tests.factories import make_inward_supply
from ims_compliance.tests.fixtures import COMPANY_GSTIN

PERIOD, DATE = "022024", "2024-02-07"
COLUMNS = [
	"name",
	"document_number",
	"place_of_supply",
	"remarks",
	"supplier_name",
	"taxable_value",
	"igst",
	"original_date",
	"document_date",
	"reverse_charge",
]


def plain_frame(query, columns, **kinds):
	reader = frames.ColumnChunks(columns, **kinds)
	for batch in frames.batches(query):
		reader.add(batch)
	return reader.frame()


class TestPackedReads(FrappeTestCase):
	def setUp(self):
		self.addCleanup(frappe.db.rollback)
		self.names = [
			make_inward_supply(
				document_number=f"PACK-{i}", document_date=DATE, supplier_period=PERIOD, taxable_value=100 + i
			).name
			for i in range(4)
		]
		table = f"`tab{supply_doctype()}`"
		# NULL text and amounts and dates; empty text; other scripts; a quote and a backslash
		frappe.db.sql(
			f"update {table} set place_of_supply = null, original_date = null, remarks = '' where name = %s",
			self.names[0],
		)
		frappe.db.sql(
			f"update {table} set supplier_name = %s, remarks = %s, reverse_charge = 1 where name = %s",
			("मेसर्स आपूर्तिकर्ता 'A' & Co", "it's a \\ back\tslash", self.names[1]),
		)
		frappe.db.sql(
			f"update {table} set original_date = %s, igst = 0 where name = %s",
			("2023-12-31", self.names[2]),
		)

	def query(self):
		table = frappe.qb.DocType(supply_doctype())
		return (
			frappe.qb.from_(table)
			# (amounts are NOT NULL here; a joined bill's are not: 100 stands for NULL)
			.select(*[NullIf(table[c], 100).as_(c) if c == "taxable_value" else table[c] for c in COLUMNS])
			.where(table.name.isin(self.names))
			.orderby(table.name)
		)

	def read_both(self):
		kinds = {"dates": ("original_date", "document_date"), "ints": ("reverse_charge",)}
		return frames.read_frame(self.query(), COLUMNS, **kinds), plain_frame(self.query(), COLUMNS, **kinds)

	def test_a_packed_read_gives_the_plain_reads_frame(self):
		packed, plain = self.read_both()
		self.assertEqual(len(packed), 4)
		pd.testing.assert_frame_equal(packed, plain)
		row = packed.set_index("name").loc[self.names[0]]
		self.assertIsNone(row["place_of_supply"])
		self.assertEqual(row["remarks"], "")
		self.assertTrue(pd.isna(row["taxable_value"]) and pd.isna(row["original_date"]))
		self.assertEqual(
			packed.set_index("name").loc[self.names[1], "supplier_name"], "मेसर्स आपूर्तिकर्ता 'A' & Co"
		)

	def test_a_value_holding_the_separator_is_read_plainly(self):
		frappe.db.sql(
			f"update `tab{supply_doctype()}` set remarks = %s where name = %s", ("a\x1fb", self.names[3])
		)
		calls = []
		add_packed = frames.ColumnChunks.add_packed

		def spy(reader, packed):
			calls.append(add_packed(reader, packed))
			return calls[-1]

		with patch.object(frames.ColumnChunks, "add_packed", spy):
			packed, plain = self.read_both()
		self.assertEqual(calls, [False])  # the packed rows did not add up: read again plainly
		pd.testing.assert_frame_equal(packed, plain)
		self.assertEqual(packed.set_index("name").loc[self.names[3], "remarks"], "a\x1fb")

	def test_read_supplies_packed_and_plain_agree_across_keyset_chunks(self):
		frappe.db.sql(
			f"update `tab{supply_doctype()}` set document_number = %s where name = %s",
			("X\x1fY", self.names[3]),
		)
		packed = reconcile.read_supplies(COMPANY_GSTIN, [PERIOD], with_stored=True, chunk=3)
		with patch.object(reconcile, "_read_packed", lambda *args: None):
			plain = reconcile.read_supplies(COMPANY_GSTIN, [PERIOD], with_stored=True, chunk=3)
		pd.testing.assert_frame_equal(packed, plain)
		self.assertTrue({"X\x1fY", "PACK-0"} <= set(plain["document_number"]))
		frappe.db.sql(
			f"update `tab{supply_doctype()}` set document_number = 'PACK-3' where name = %s", self.names[3]
		)
		chunks = reconcile.read_supplies(COMPANY_GSTIN, [PERIOD], with_stored=True, chunk=3)
		whole = reconcile.read_supplies(COMPANY_GSTIN, [PERIOD], with_stored=True)
		pd.testing.assert_frame_equal(chunks, whole)  # packed, in chunks of 3 and in one
		self.assertGreaterEqual(len(whole), 4)
