"""The demo's month must tell the story it promises: every planted difference has to come out of
the real parser and the real matching engine as the status the README and the page show."""

import datetime as dt

import pandas as pd
import pytest

from ims_compliance.core import demo_data as dd
from ims_compliance.core.gstin import is_valid_gstin, make_gstin
from ims_compliance.core.matching import reconcile
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.gstn.protocol import parse_section

COMPANY = make_gstin("27", "AAZCI5150M")
OCT_2026 = ReturnPeriod(2026, 10)


def frames(plan: dd.DemoPlan, records: dict[str, list[dict]] | None = None):
	"""The plan as the engine's input: IMS records through the GETINV parser, purchases as the
	reconcile service reads Purchase Invoices. Supply names are "S<index>" of plan.documents."""
	by_identity = {id(d.record): i for i, d in enumerate(plan.documents) if d.record}
	supplies = []
	for code, rows in (records or plan.records).items():
		for raw, parsed in zip(rows, parse_section(code, rows), strict=True):
			index = by_identity.get(id(raw))
			if index is None:  # an edited copy: find its document by supplier and number
				index = next(
					i
					for i, d in enumerate(plan.documents)
					if d.record
					and (d.supplier.gstin, d.number) == (parsed.supplier_gstin, parsed.document_number)
				)
			supplies.append(
				{
					"name": f"S{index}",
					"supplier_gstin": parsed.supplier_gstin,
					"company_gstin": COMPANY,
					"document_type": parsed.document_type,
					"section": code,
					"document_number": parsed.document_number,
					"document_date": parsed.document_date,
					"original_number": parsed.original_number,
					"place_of_supply": parsed.place_of_supply,
					"taxable_value": parsed.taxable_value,
					"igst": parsed.igst,
					"cgst": parsed.cgst,
					"sgst": parsed.sgst,
					"cess": parsed.cess,
					"supplier_filed": parsed.supplier_filed,
				}
			)
	purchases = [
		{
			"name": f"P{i}",
			"supplier_gstin": d.purchase.supplier.gstin,
			"company_gstin": COMPANY,
			"document_type": "Credit Note"
			if d.purchase.is_return
			else "Debit Note"
			if d.purchase.is_debit_note
			else "Invoice",
			"bill_no": d.purchase.bill_no,
			"bill_date": d.purchase.bill_date,
			"taxable_value": d.purchase.taxable_value,
			"igst": d.purchase.igst,
			"cgst": d.purchase.cgst,
			"sgst": d.purchase.sgst,
			"cess": d.purchase.cess,
		}
		for i, d in enumerate(plan.documents)
		if d.purchase
	]
	return pd.DataFrame(supplies), pd.DataFrame(purchases)


def test_a_month_of_300_purchase_invoices_from_40_suppliers():
	plan = dd.build_plan(COMPANY, OCT_2026)
	assert len(plan.purchases) == 300
	assert len(plan.suppliers) == 40
	assert len({s.gstin for s in plan.suppliers}) == len({s.name for s in plan.suppliers}) == 40
	assert all(is_valid_gstin(s.gstin) for s in plan.suppliers)
	assert {p.supplier.gstin for p in plan.purchases} == {s.gstin for s in plan.suppliers}
	counts = dd.noise_counts(300)
	for kind, n in counts.items():
		assert len(plan.of_kind(kind)) == n, kind
	assert (
		sum(len(rows) for rows in plan.records.values())
		== 300 - counts[dd.MISSING_IN_IMS] + counts[dd.MISSING_IN_PI]
	)
	assert sorted(plan.records) == ["B2B", "B2BA", "CN", "DN"]
	returns = [p for p in plan.purchases if p.is_return]
	assert len(returns) == counts[dd.CREDIT_NOTE] == len(plan.records["CN"])
	# one bill number per supplier document, as ERPNext's supplier-invoice uniqueness expects
	assert len({(p.supplier.gstin, p.bill_no) for p in plan.purchases}) == 300


def test_dates_are_last_month_except_the_amended_invoice():
	plan = dd.build_plan(COMPANY, OCT_2026)
	for doc in plan.documents:
		expected = OCT_2026.previous() if doc.kind == dd.AMENDMENT else OCT_2026
		if doc.purchase:
			assert ReturnPeriod.of_date(doc.purchase.bill_date) == expected, doc
		if doc.record:
			assert doc.record["rtnprd"] == "102026"
	assert plan.purchase_dates[0] >= dt.date(2026, 9, 1)
	assert plan.purchase_dates[-1] <= dt.date(2026, 10, 31)


def test_same_inputs_same_plan_and_months_never_share_a_bill_number():
	assert dd.build_plan(COMPANY, OCT_2026).records == dd.build_plan(COMPANY, OCT_2026).records
	october = {(p.supplier.gstin, p.bill_no) for p in dd.build_plan(COMPANY, OCT_2026).purchases}
	november = {(p.supplier.gstin, p.bill_no) for p in dd.build_plan(COMPANY, OCT_2026.next()).purchases}
	assert not october & november


def test_every_planted_difference_comes_out_as_designed():
	plan = dd.build_plan(COMPANY, OCT_2026)
	supplies, purchases = frames(plan)
	result = reconcile(supplies, purchases)
	statuses = result.supplies["match_status"].to_dict()
	wrong = {
		(doc.kind, doc.number, statuses[f"S{i}"])
		for i, doc in enumerate(plan.documents)
		if doc.record and statuses[f"S{i}"] != doc.expected_status
	}
	assert not wrong
	missing_in_ims = set(result.missing_in_ims["name"])
	assert missing_in_ims == {f"P{i}" for i, d in enumerate(plan.documents) if d.kind == dd.MISSING_IN_IMS}
	# the records that matched are linked to their own Purchase Invoice, never a neighbour's
	linked = result.supplies["purchase"].dropna().to_dict()
	assert all(purchase[1:] == supply[1:] for supply, purchase in linked.items())
	assert result.stats["Exact Match"] > 0.8 * len(supplies)


def test_the_noise_is_the_kind_the_issue_names():
	plan = dd.build_plan(COMPANY, OCT_2026)
	fy = plan.of_kind(dd.FY_SUFFIX)[0]
	assert fy.number == f"{fy.purchase.bill_no}/26-27"
	rounding = plan.of_kind(dd.ROUNDING)[0]
	ours = rounding.purchase.igst + rounding.purchase.cgst
	theirs = rounding.record["iamt"] + rounding.record["camt"]
	assert round(ours - theirs, 2) == 0.40
	assert all(d.record["srcfilstatus"] == "Not Filed" for d in plan.of_kind(dd.NOT_FILED))
	amended = plan.of_kind(dd.AMENDMENT)[0]
	assert amended.section == "B2BA" and amended.record["oinum"] == amended.number
	assert all(d.record["ispendactblocked"] == "Y" for d in plan.of_kind(dd.CREDIT_NOTE))
	assert all(d.purchase.is_return for d in plan.of_kind(dd.CREDIT_NOTE))
	assert all(d.purchase is None for d in plan.of_kind(dd.MISSING_IN_PI))
	assert all(d.record is None for d in plan.of_kind(dd.MISSING_IN_IMS))


def test_supplier_edit_changes_an_unfiled_record_into_a_mismatch():
	plan = dd.build_plan(COMPANY, OCT_2026)
	edit = dd.supplier_edit(plan)
	target = plan.of_kind(dd.SUPPLIER_EDIT)[0]
	assert (edit["stin"], edit["number"], edit["section"]) == (target.supplier.gstin, target.number, "B2B")
	assert target.record["srcfilstatus"] == "Not Filed"  # R9: only a record not yet filed is edited
	assert edit["changes"]["txval"] == round(target.record["txval"] + 5000, 2)
	records = {
		code: [{**r, **edit["changes"]} if r is target.record else r for r in rows]
		for code, rows in plan.records.items()
	}
	supplies, purchases = frames(plan, records)
	statuses = reconcile(supplies, purchases).supplies["match_status"].to_dict()
	assert statuses[f"S{plan.documents.index(target)}"] == "Mismatch"


def test_the_edited_record_is_the_same_document_whatever_the_size():
	targets = {
		(d.supplier.gstin, d.number)
		for size, suppliers in ((300, 40), (40, 6), (30, 1))
		for d in dd.build_plan(COMPANY, OCT_2026, size=size, suppliers=suppliers).of_kind(dd.SUPPLIER_EDIT)
	}
	assert len(targets) == 1


@pytest.mark.parametrize("size", [30, 60, 120])
def test_small_demos_still_show_every_kind(size):
	plan = dd.build_plan(COMPANY, OCT_2026, size=size, suppliers=8)
	assert len(plan.purchases) == size
	assert {d.kind for d in plan.documents} >= set(dd.EXPECTED_STATUS) - {dd.NOT_FILED}
	supplies, purchases = frames(plan)
	statuses = reconcile(supplies, purchases).supplies["match_status"].to_dict()
	assert all(statuses[f"S{i}"] == d.expected_status for i, d in enumerate(plan.documents) if d.record)


def test_impossible_sizes_are_refused():
	with pytest.raises(ValueError, match="at least"):
		dd.noise_counts(10)
	with pytest.raises(ValueError, match="suppliers"):
		dd.demo_suppliers(41)


def test_each_site_gets_its_own_valid_demo_gstin():
	"""Two sites of one bench share the sandbox: their demo GSTINs must differ, stay the same on
	a re-run, pass the GSTIN check and never be a demo supplier's."""
	sites = ["site1.localhost", "ims-test.localhost", "demo.example.com", "a", "b"]
	gstins = [dd.demo_company_gstin(site) for site in sites]
	assert len(set(gstins)) == len(sites)
	assert all(is_valid_gstin(g) and g.startswith("27") and g[5] == "C" for g in gstins)
	assert dd.demo_company_gstin("Site1.localhost ") == dd.demo_company_gstin("site1.localhost")
	suppliers = {s.gstin for s in dd.demo_suppliers(40)}
	assert not suppliers & {dd.demo_company_gstin(f"site{i}") for i in range(500)}
