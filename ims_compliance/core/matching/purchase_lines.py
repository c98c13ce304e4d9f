"""Taxable value of a purchase from the lines that bear GST (issue 15).

A supplier reports in IMS only the taxable value of the lines that carry GST: nil-rated, exempt
and non-GST lines of the same bill (freight, packing, exempt goods) go elsewhere in its GSTR-1.
Comparing IMS with the bill's net total would make a correct bill a Mismatch and recommend Reject
(P4), so the purchase side sums only the lines that bear GST. A line does not bear GST when:
- India Compliance's item `gst_treatment` says "Nil-Rated", "Exempted" or "Non-GST";
- its item tax template is zero on every GST account (or IC marks the template so);
- its item-wise tax rates (`item_tax_rate`, the JSON ERPNext copies from the template) name GST
  accounts and every one of them is 0.
Anything else (no template, other taxes only, a positive GST rate) bears GST.

India Compliance's `gst_treatment` is not trusted on a bill that charges GST on the accounts
mapped in IMS Settings while IC calls every one of its lines nil-rated, exempt or non-GST: IC
marks all lines Nil-Rated whenever none of the bill's taxes is on its own GST Settings accounts,
so that verdict says IC's account set-up differs from ours, not that the goods are exempt. The
bill's own GST says otherwise; the other rules decide its lines. Pure: the Frappe side reads the
lines set-based and passes them here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping

import pandas as pd

NOT_GST_TREATMENTS: frozenset[str] = frozenset({"Nil-Rated", "Exempted", "Non-GST"})
LINE_COLUMNS: tuple[str, ...] = ("parent", "base_net_amount", "item_tax_rate", "item_tax_template")


def zero_rated_templates(
	template_rates: Iterable[tuple[str, str, float]],
	gst_accounts: Collection[str],
	template_treatments: Mapping[str, str] | None = None,
) -> set[str]:
	"""Templates that charge no GST: (template, account, rate) rows whose GST-account rates are all
	0, plus templates India Compliance marks nil-rated, exempt or non-GST."""
	rates: dict[str, list[float]] = {}
	for template, account, rate in template_rates:
		if account in gst_accounts:
			rates.setdefault(template, []).append(float(rate or 0))
	zero = {t for t, values in rates.items() if values and all(v == 0 for v in values)}
	zero |= {t for t, treatment in (template_treatments or {}).items() if treatment in NOT_GST_TREATMENTS}
	return zero


def line_bears_gst(
	*,
	gst_treatment: str | None,
	item_tax_rate: str | None,
	item_tax_template: str | None,
	gst_accounts: Collection[str],
	zero_templates: Collection[str] = (),
	_cache: dict | None = None,
) -> bool:
	"""One purchase line: does it carry GST? (see the module's rules)"""
	if gst_treatment in NOT_GST_TREATMENTS:
		return False
	if item_tax_template and item_tax_template in zero_templates:
		return False
	if item_tax_rate:
		verdict = None if _cache is None else _cache.get(item_tax_rate)
		if verdict is None:
			verdict = _rates_bear_gst(item_tax_rate, gst_accounts)
			if _cache is not None:
				_cache[item_tax_rate] = verdict
		return verdict
	return True


def _rates_bear_gst(item_tax_rate: str, gst_accounts: Collection[str]) -> bool:
	try:
		rates = json.loads(item_tax_rate)
	except (TypeError, ValueError):
		return True
	if not isinstance(rates, dict):
		return True
	gst = [float(v or 0) for account, v in rates.items() if account in gst_accounts]
	return not gst or any(v != 0 for v in gst)


def gst_taxable_values(
	lines: pd.DataFrame,
	*,
	gst_accounts: Collection[str],
	zero_templates: Collection[str] = (),
	gst_charged: Collection[str] = (),
) -> dict[str, float]:
	"""Per purchase (`parent`): the sum of `base_net_amount` over its lines that bear GST, absolute
	(return invoices carry negative lines; GSTN reports credit notes positive). Purchases whose
	lines all lack GST get 0.0. `gst_charged`: the purchases that charge GST on the mapped
	accounts (IC's treatments are ignored on those it calls wholly non-GST, see the module)."""
	if lines.empty:
		return {}
	treatments = lines["gst_treatment"].tolist() if "gst_treatment" in lines else [None] * len(lines)
	if gst_charged and "gst_treatment" in lines:
		treatments = _distrust_contradicted(lines["parent"].tolist(), treatments, frozenset(gst_charged))
	cache: dict[str, bool] = {}
	gst_accounts = frozenset(gst_accounts)
	zero_templates = frozenset(zero_templates)
	bears = [
		line_bears_gst(
			gst_treatment=treatment,
			item_tax_rate=rate if isinstance(rate, str) else None,
			item_tax_template=template if isinstance(template, str) else None,
			gst_accounts=gst_accounts,
			zero_templates=zero_templates,
			_cache=cache,
		)
		for treatment, rate, template in zip(
			treatments, lines["item_tax_rate"].tolist(), lines["item_tax_template"].tolist(), strict=True
		)
	]
	amounts = pd.to_numeric(lines["base_net_amount"], errors="coerce").fillna(0.0).where(bears, 0.0)
	totals = amounts.groupby(lines["parent"].to_numpy()).sum()
	return {str(k): round(abs(float(v)), 2) for k, v in totals.items()}


def _distrust_contradicted(parents: list, treatments: list, gst_charged: frozenset) -> list:
	"""IC's treatments with those of the bills it calls wholly non-GST while they charge GST
	removed (None: the other rules decide)."""
	wholly_not_gst: dict[str, bool] = {}
	for parent, treatment in zip(parents, treatments, strict=True):
		wholly_not_gst[parent] = wholly_not_gst.get(parent, True) and treatment in NOT_GST_TREATMENTS
	contradicted = {p for p, flag in wholly_not_gst.items() if flag and p in gst_charged}
	if not contradicted:
		return treatments
	return [None if p in contradicted else t for p, t in zip(parents, treatments, strict=True)]
