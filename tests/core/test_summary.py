"""Actions Summary: counts and ITC at stake per document type / match status x action."""

from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.summary import summarise_actions

ROWS = [
	{"document_type": "Invoice", "action": "Accepted", "taxable_value": 1000, "igst": 180},
	{"document_type": "Invoice", "action": "Accepted", "taxable_value": 500, "cgst": 45, "sgst": 45},
	{"document_type": "Invoice", "action": "Rejected", "taxable_value": 200, "total_tax": 36},
	{"document_type": "Credit Note", "action": "Pending", "taxable_value": 100, "igst": 18},
	{"document_type": None, "action": None, "taxable_value": None},
]


def test_counts_and_amounts_per_group_and_action():
	summary = summarise_actions(ROWS, group_by="document_type")
	accepted = summary.cell("Invoice", Action.ACCEPTED)
	assert (accepted.count, accepted.taxable_value, accepted.total_tax) == (2, 1500, 270)
	assert summary.cell("Invoice", Action.REJECTED).total_tax == 36
	assert summary.cell("Credit Note", Action.ACCEPTED).count == 0
	assert summary.cell("Not set", Action.NO_ACTION).count == 1
	assert summary.group_total("Invoice").count == 3
	assert summary.action_total(Action.PENDING).taxable_value == 100


def test_rows_for_the_page():
	rows = summarise_actions(ROWS, group_by="document_type").as_rows()
	invoice = next(r for r in rows if r["document_type"] == "Invoice")
	assert invoice["a_count"] == 2 and invoice["a_total_tax"] == 270 and invoice["r_count"] == 1
	assert invoice["p_count"] == 0 and invoice["count"] == 3 and invoice["total_tax"] == 306


@given(
	st.lists(
		st.fixed_dictionaries(
			{
				"match_status": st.sampled_from(["Exact Match", "Mismatch", "Missing in PI"]),
				"action": st.sampled_from([a.value for a in Action]),
				"taxable_value": st.integers(0, 10**6),
				"igst": st.integers(0, 10**5),
			}
		)
	)
)
def test_totals_add_up(rows):
	summary = summarise_actions(rows, group_by="match_status")
	assert sum(summary.action_total(a).count for a in Action) == len(rows)
	assert sum(summary.group_total(g).total_tax for g in summary.cells) == sum(r["igst"] for r in rows)
