"""India Compliance's side of benchmarks/ic_reconcile.py: the generated month as India
Compliance's GSTR-2B records (its own "GST Inward Supply") and as Purchase Invoices carrying its
GST fields, inserted by bulk SQL, and removed again."""

from __future__ import annotations

import random

from _books import NIL_SHARE, insert_tax_rows, tax_rows

IC_SUPPLY = "GST Inward Supply"  # India Compliance's DocType (ours is supply_doctype() on this site)
PERIOD = "102025"  # the GSTR-2B month of the generated records


def _state_names(frappe) -> dict[str, str]:
	"""State code -> the place-of-supply value India Compliance stores ("27-Maharashtra"), read
	from the Purchase Invoice field's options on this site."""
	options = frappe.get_meta("Purchase Invoice").get_field("place_of_supply").options or ""
	return {o.split("-", 1)[0]: o for o in options.splitlines() if "-" in o}


def _fy(day) -> str:
	return f"{day.year}-{day.year + 1}" if day.month >= 4 else f"{day.year - 1}-{day.year}"


def insert_ic_rows(frappe, s, p, *, run: str, company: str, gstin: str, accounts: dict) -> dict:
	"""The generated frames as India Compliance's 2B records and as Purchase Invoices carrying
	India Compliance's GST fields. Names: ICS<run><S...> (records), ICP<run><P...> (bills).
	The bills' nil-rated lines are drawn as _books.insert_purchase_invoices draws them (same seed,
	same order), so both halves get the same bills."""
	now = frappe.utils.now_datetime()
	meta = ("creation", "modified", "owner", "modified_by")
	stamp = (now, now, "Administrator", "Administrator")
	pos = _state_names(frappe)
	supplier = frappe.db.get_value("Supplier", {}, "name")
	head_account = {head: account for account, head in accounts.items()}

	records, record_items = [], []
	for r in s.itertuples(index=False):
		name = f"ICS{run}{r.name}"
		note = r.document_type == "Credit Note"
		day = r.document_date.date()
		records.append(
			(
				name,
				*stamp,
				0,
				company,
				gstin,
				f"Bench supplier {r.supplier_gstin}",
				r.supplier_gstin,
				"Credit Note" if note else "Invoice",
				pos.get(r.place_of_supply, r.place_of_supply),
				"Regular",
				"CDNR" if note else "B2B",
				round(r.taxable_value + r.igst + r.cgst + r.sgst + r.cess, 2),
				"Yes",
				"No Action",
				PERIOD,
				PERIOD,
				1,
				1 if r.reverse_charge else 0,
				f"{r.document_number}{run}",
				day,
			)
		)
		record_items.append(
			(
				f"{name}-1",
				*stamp,
				0,
				name,
				IC_SUPPLY,
				"items",
				1,
				1,
				r.taxable_value,
				round((r.igst + r.cgst + r.sgst) / r.taxable_value * 100) if r.taxable_value else 0,
				r.igst,
				r.cgst,
				r.sgst,
				r.cess,
			)
		)
	frappe.db.bulk_insert(
		IC_SUPPLY,
		[
			"name",
			*meta,
			"docstatus",
			"company",
			"company_gstin",
			"supplier_name",
			"supplier_gstin",
			"doc_type",
			"place_of_supply",
			"supply_type",
			"classification",
			"document_value",
			"itc_availability",
			"action",
			"return_period_2b",
			"sup_return_period",
			"gstr_1_filled",
			"is_reverse_charge",
			"bill_no",
			"bill_date",
		],
		records,
		chunk_size=10000,
	)
	frappe.db.bulk_insert(
		"GST Inward Supply Item",
		[
			"name",
			*meta,
			"docstatus",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"item_number",
			"taxable_value",
			"rate",
			"igst",
			"cgst",
			"sgst",
			"cess",
		],
		record_items,
		chunk_size=10000,
	)

	rng = random.Random(7)  # as _books.insert_purchase_invoices
	bills, lines, taxes = [], [], []
	nil_lines = 0
	for r in p.itertuples(index=False):
		name = f"ICP{run}{r.name}"
		sign = -1 if r.document_type == "Credit Note" else 1
		nil = round(rng.uniform(100, 5000), 2) if rng.random() < NIL_SHARE else 0.0
		nil_lines += bool(nil)
		tax_total = round(r.igst + r.cgst + r.sgst + r.cess, 2)
		net = round(r.taxable_value + nil, 2)
		day = r.bill_date.date()
		bills.append(
			(
				name,
				*stamp,
				1,
				supplier,
				supplier,
				company,
				gstin,
				r.supplier_gstin,
				"Registered Regular",
				pos.get(r.place_of_supply, r.place_of_supply),
				1 if r.reverse_charge else 0,
				"All Other ITC",
				"No",
				"Unreconciled",
				day,
				f"{r.bill_no}{run}",
				day,
				1 if sign < 0 else 0,
				"INR",
				1,
				sign * net,
				sign * net,
				sign * tax_total,
				sign * round(net + tax_total, 2),
				sign * round(net + tax_total, 2),
			)
		)
		parts = [(1, "BENCH ITEM", r.taxable_value, r.igst, r.cgst, r.sgst, r.cess)]
		if nil:
			parts.append((2, "BENCH NIL", nil, 0.0, 0.0, 0.0, 0.0))
		for idx, item_name, value, igst, cgst, sgst, cess in parts:
			lines.append(
				(
					f"{name}-{idx}",
					*stamp,
					1,
					name,
					"Purchase Invoice",
					"items",
					idx,
					item_name,
					sign,
					value,
					sign * value,
					sign * value,
					sign * value,
					sign * value,
					sign * igst,
					sign * cgst,
					sign * sgst,
					sign * cess,
				)
			)
		taxes += tax_rows(name, stamp, r, sign, head_account, docstatus=1)
	frappe.db.bulk_insert(
		"Purchase Invoice",
		[
			"name",
			*meta,
			"docstatus",
			"supplier",
			"supplier_name",
			"company",
			"company_gstin",
			"supplier_gstin",
			"gst_category",
			"place_of_supply",
			"is_reverse_charge",
			"itc_classification",
			"is_opening",
			"reconciliation_status",
			"posting_date",
			"bill_no",
			"bill_date",
			"is_return",
			"currency",
			"conversion_rate",
			"net_total",
			"base_net_total",
			"base_total_taxes_and_charges",
			"base_grand_total",
			"grand_total",
		],
		bills,
		chunk_size=10000,
	)
	frappe.db.bulk_insert(
		"Purchase Invoice Item",
		[
			"name",
			*meta,
			"docstatus",
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"item_name",
			"qty",
			"rate",
			"amount",
			"net_amount",
			"base_net_amount",
			"taxable_value",
			"igst_amount",
			"cgst_amount",
			"sgst_amount",
			"cess_amount",
		],
		lines,
		chunk_size=10000,
	)
	insert_tax_rows(frappe, meta, taxes, docstatus=True)
	return {"records": len(records), "bills": len(bills), "nil_lines": nil_lines, "tax_rows": len(taxes)}


def delete_ic_rows(frappe, run: str) -> None:
	for doctype, prefix in (
		(IC_SUPPLY, f"ICS{run}%"),
		("GST Inward Supply Item", f"ICS{run}%"),
		("Purchase Invoice", f"ICP{run}%"),
		("Purchase Invoice Item", f"ICP{run}%"),
		("Purchase Taxes and Charges", f"ICP{run}%"),
	):
		frappe.db.sql(f"delete from `tab{doctype}` where name like %s", prefix)
