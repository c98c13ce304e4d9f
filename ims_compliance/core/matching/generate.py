"""Realistic generated data for the engine's tests and benchmark (our own synthetic data).

Shape of the data (issue 5): a company buying from 2,000 suppliers, one purchase document per
inward supply, with noise in about 10 % of the numbers (FY tokens, separators, case, leading
zeros, prefixes, typos) and 10 % of the amounts (paise rounding within tolerance, Rs 5 or larger
differences), a few dates a few days apart, credit notes, intra- and inter-state suppliers, some
bills booked against the supplier's other state registration (same PAN), and about 1 % of
supplies with no purchase and 1 % of purchases with no supply. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.sections import CREDIT_NOTE, INVOICE

SUPPLY_COLUMNS: tuple[str, ...] = (
	"name",
	"supplier_gstin",
	"company_gstin",
	"document_type",
	"section",
	"document_number",
	"document_date",
	"original_number",
	"original_date",
	"place_of_supply",
	"reverse_charge",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"supplier_filed",
	"match_status",
	"purchase",
)
PURCHASE_COLUMNS: tuple[str, ...] = (
	"name",
	"supplier_gstin",
	"company_gstin",
	"document_type",
	"bill_no",
	"bill_date",
	"place_of_supply",
	"reverse_charge",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
)
_STATES = ("27", "27", "27", "29", "07", "33", "24", "09")  # the company is in 27: most buying is local
_STYLES = ("INV/{fy}/{n:05d}", "SI-{n}", "{n}", "TI/{n:04d}/{fy2}", "B{n:06d}")


@dataclass(frozen=True)
class Noise:
	"""Share of purchases carrying each kind of difference from their supply."""

	number: float = 0.10
	amount: float = 0.10
	date: float = 0.03
	other_registration: float = 0.005
	missing_purchase: float = 0.01
	missing_supply: float = 0.01


def generate(
	size: int,
	*,
	seed: int = 11,
	company_gstin: str | None = None,
	suppliers: int = 2000,
	noise: Noise = Noise(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
	"""`size` inward supplies and about as many purchase documents, as the engine's input frames."""
	rng = random.Random(seed)
	company_gstin = company_gstin or make_gstin("27", "AAACI1234K")
	pans = [f"AAB{'CFPH'[i % 4]}{_letter(i // 10000)}{i % 10000:04d}{_letter(i)}" for i in range(suppliers)]
	states = [rng.choice(_STATES) for _ in range(suppliers)]
	gstins = [make_gstin(state, pan) for state, pan in zip(states, pans, strict=True)]
	other = [
		make_gstin("29" if state != "29" else "27", pan) for state, pan in zip(states, pans, strict=True)
	]
	styles = [rng.choice(_STYLES) for _ in range(suppliers)]
	counters = [rng.randint(1, 900) for _ in range(suppliers)]
	days = [datetime(2025, 10, 1) + timedelta(days=d) for d in range(31 + 12)]
	supplies: list[tuple] = []
	purchases: list[tuple] = []
	for i in range(size):
		k = rng.randrange(suppliers)
		counters[k] += 1
		is_note = rng.random() < 0.05
		number = styles[k].format(n=counters[k], fy="2025-26", fy2="25-26")
		if is_note:
			number = f"CN{counters[k]}"
		d = rng.randrange(31)
		day = days[d]
		taxable = round(rng.uniform(500, 200000), 2)
		rate = rng.choice((0.05, 0.12, 0.18, 0.18, 0.28))
		local = states[k] == "27"
		tax = round(taxable * rate, 2)
		igst, cgst, sgst = (0.0, round(tax / 2, 2), round(tax / 2, 2)) if local else (tax, 0.0, 0.0)
		document_type = CREDIT_NOTE if is_note else INVOICE
		supplies.append(
			(
				f"S{i:07d}",
				gstins[k],
				company_gstin,
				document_type,
				"CN" if is_note else "B2B",
				number,
				day,
				None,
				None,
				"27",
				False,
				taxable,
				igst,
				cgst,
				sgst,
				0.0,
				rng.random() > 0.02,
				None,
				None,
			)
		)
		if rng.random() < noise.missing_purchase:
			continue
		bill_no = _noisy_number(rng, number, counters[k]) if rng.random() < noise.number else number
		p_taxable, p_igst, p_cgst = taxable, igst, cgst
		if rng.random() < noise.amount:
			delta = rng.choice((0.5, -0.4, 5.0, -5.0, 120.0))
			if rng.random() < 0.5:
				p_taxable = round(taxable + delta, 2)
			elif local:
				p_cgst = round(cgst + delta, 2)
			else:
				p_igst = round(igst + delta, 2)
		bill_date = days[max(d + rng.choice((-3, -1, 2, 6)), 0)] if rng.random() < noise.date else day
		supplier = other[k] if rng.random() < noise.other_registration else gstins[k]
		purchases.append(
			(
				f"P{i:07d}",
				supplier,
				company_gstin,
				document_type,
				bill_no,
				bill_date,
				"27",
				False,
				p_taxable,
				p_igst,
				p_cgst,
				sgst,
				0.0,
			)
		)
	for j in range(int(size * noise.missing_supply)):
		k = rng.randrange(suppliers)
		purchases.append(
			(
				f"PX{j:06d}",
				gstins[k],
				company_gstin,
				INVOICE,
				f"LOCAL-{j}",
				days[rng.randrange(31)],
				"27",
				False,
				round(rng.uniform(100, 900), 2),
				0.0,
				0.0,
				0.0,
				0.0,
			)
		)
	return (
		pd.DataFrame(supplies, columns=list(SUPPLY_COLUMNS)),
		pd.DataFrame(purchases, columns=list(PURCHASE_COLUMNS)),
	)


def _letter(i: int) -> str:
	return chr(65 + i % 26)


def _noisy_number(rng: random.Random, number: str, serial: int) -> str:
	"""How buyers re-type a supplier's number: what the normalisation and fuzzy passes must undo."""
	kind = rng.randrange(6)
	if kind == 0:
		return number.lower()
	if kind == 1:
		return number.replace("/", "-").replace("-", " ")
	if kind == 2:
		return f"{serial}/25-26"
	if kind == 3:
		return f"INV-{serial:08d}"
	if kind == 4 and len(number) > 3:
		return number[:-2] + number[-1] + number[-2]  # swapped digits
	return number + "A"  # a suffix the buyer added
