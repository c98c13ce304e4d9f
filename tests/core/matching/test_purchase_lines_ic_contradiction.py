"""India Compliance's item gst_treatment against the bill's own GST (issue 16 beside issue 15).

IC marks every line of a bill Nil-Rated when none of its taxes is on IC's GST Settings accounts.
A bill that charges GST on the accounts mapped in IMS Settings is then read as taxable value 0,
and a correct bill becomes a Mismatch with Reject recommended (P4): its ITC thrown away.
"""

import json

import pandas as pd

from ims_compliance.core.matching.purchase_lines import gst_taxable_values

IGST = "IMS IGST - T"


def lines(*rows):
	return pd.DataFrame(
		[
			{
				"parent": p,
				"base_net_amount": amount,
				"item_tax_rate": rate,
				"item_tax_template": None,
				"gst_treatment": t,
			}
			for p, amount, t, rate in rows
		]
	)


def test_ic_calling_every_line_nil_rated_on_a_bill_that_charges_gst_is_not_trusted():
	frame = lines(("PI-1", 1000.0, "Nil-Rated", None), ("PI-1", 500.0, "Nil-Rated", None))
	assert gst_taxable_values(frame, gst_accounts={IGST}, gst_charged={"PI-1"}) == {"PI-1": 1500.0}


def test_without_gst_charged_ic_verdict_stands():
	frame = lines(("PI-1", 1000.0, "Nil-Rated", None), ("PI-2", 700.0, "Exempted", None))
	assert gst_taxable_values(frame, gst_accounts={IGST}, gst_charged={"PI-9"}) == {"PI-1": 0.0, "PI-2": 0.0}
	assert gst_taxable_values(frame, gst_accounts={IGST}) == {"PI-1": 0.0, "PI-2": 0.0}


def test_a_mixed_bill_keeps_ic_nil_rated_line_out():
	"""IC said Taxable for one line, so its treatments came from real GST accounts: trusted."""
	frame = lines(("PI-1", 10000.0, "Taxable", None), ("PI-1", 10000.0, "Nil-Rated", None))
	assert gst_taxable_values(frame, gst_accounts={IGST}, gst_charged={"PI-1"}) == {"PI-1": 10000.0}


def test_distrusted_bill_still_leaves_out_lines_zero_rated_by_their_own_rates():
	zero = json.dumps({IGST: 0})
	frame = lines(("PI-1", 1000.0, "Nil-Rated", None), ("PI-1", 400.0, "Nil-Rated", zero))
	assert gst_taxable_values(frame, gst_accounts={IGST}, gst_charged={"PI-1"}) == {"PI-1": 1000.0}
