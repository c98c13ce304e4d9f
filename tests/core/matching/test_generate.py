"""The generated data must look like the issue says (2,000 suppliers, about 10 % noise), or the
benchmark measures the wrong thing."""

from ims_compliance.core.gstin import is_valid_gstin
from ims_compliance.core.matching import reconcile
from ims_compliance.core.matching.generate import PURCHASE_COLUMNS, SUPPLY_COLUMNS, Noise, generate


def test_shape_and_determinism():
	s1, p1 = generate(3000, seed=5)
	s2, p2 = generate(3000, seed=5)
	assert s1.equals(s2) and p1.equals(p2)
	assert not generate(3000, seed=6)[0].equals(s1)
	assert list(s1.columns) == list(SUPPLY_COLUMNS)
	assert list(p1.columns) == list(PURCHASE_COLUMNS)
	assert len(s1) == 3000
	assert s1["name"].is_unique and p1["name"].is_unique


def test_suppliers_are_valid_gstins_of_2000_pans():
	s, _ = generate(20000)
	gstins = s["supplier_gstin"].unique()
	assert 1900 <= len(gstins) <= 2000  # 20,000 draws from 2,000 suppliers reach nearly all
	assert all(is_valid_gstin(g) for g in gstins)


def test_noise_rates_are_about_ten_percent():
	s, p = generate(20000)
	joined = p.assign(key=p["name"].str[1:]).merge(s.assign(key=s["name"].str[1:]), on="key")
	number_noise = (joined["bill_no"] != joined["document_number"]).mean()
	amount_noise = (
		(joined["taxable_value_x"] != joined["taxable_value_y"])
		| (joined["igst_x"] != joined["igst_y"])
		| (joined["cgst_x"] != joined["cgst_y"])
	).mean()
	assert 0.08 <= number_noise <= 0.12
	assert 0.08 <= amount_noise <= 0.12
	assert 0.005 <= 1 - len(joined) / len(s) <= 0.02  # supplies with no purchase


def test_without_noise_everything_matches_exactly():
	quiet = Noise(0, 0, 0, 0, 0, 0)
	s, p = generate(2000, noise=quiet)
	result = reconcile(s, p)
	assert result.stats["Exact Match"] == 2000
	assert result.missing_in_ims.empty


def test_engine_links_nearly_everything_that_has_a_purchase():
	s, p = generate(10000)
	result = reconcile(s, p).supplies
	has_purchase = s["name"].str[1:].isin(p["name"].str[1:]).to_numpy()
	linked = result["purchase"].notna().to_numpy()
	assert linked[has_purchase].mean() >= 0.99
	right = result["purchase"].str[1:] == result.index.str[1:]
	assert right[linked].mean() >= 0.99  # and to the purchase generated from the same supply
