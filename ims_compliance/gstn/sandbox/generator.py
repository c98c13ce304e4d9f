"""A deterministic generator of realistic IMS records, in GSTN's GETINV shape.

Same seed, same records: tests name exact counts, the benchmark and the demo are repeatable.
The mix follows what recipients see: mostly B2B invoices from a pool of suppliers with valid
GSTINs, some credit/debit notes (original credit notes blocked from Pending, R5, and from the
Oct-2025 period asking the ITC-reduction question, R7), amendments pointing at earlier
documents (R9), e-commerce supplies, records the supplier has not filed yet (R10), and a few
actions already taken.
"""

from __future__ import annotations

import hashlib
import json
import random
import string

from ims_compliance.gstn.sandbox.vocabulary import (
	OCT_2025,
	SECTIONS,
	make_gstin,
	period_index,
	period_of_index,
)

#: Section weights per 1,000 records.
MIX = (
	("B2B", 700),
	("B2BA", 50),
	("CN", 80),
	("CNA", 20),
	("DN", 40),
	("DNA", 10),
	("ECOM", 80),
	("ECOMA", 20),
)
_STATES = ("07", "09", "19", "24", "27", "29", "33", "36", "06", "08")
_RATES = (5, 12, 18, 18, 18, 28)
_PREFIX = {
	"B2B": "INV",
	"B2BA": "INV",
	"CN": "CN",
	"CNA": "CN",
	"DN": "DN",
	"DNA": "DN",
	"ECOM": "EC",
	"ECOMA": "EC",
}
#: Keys that describe the document itself; the hash covers these (a supplier edit changes it, R9).
CONTENT_KEYS = (
	"stin", "inum", "idt", "nt_num", "nt_dt", "oinum", "oidt", "ont_num", "ont_dt", "inv_typ",
	"srcform", "rtnprd", "pos", "val", "txval", "iamt", "camt", "samt", "cess",
)  # fmt: skip


def record_hash(record: dict) -> str:
	"""SHA-256 over the document's content, the way GSTN fingerprints a supplier's record."""
	content = {k: record[k] for k in CONTENT_KEYS if k in record}
	return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _suppliers(rng: random.Random, count: int) -> list[str]:
	gstins = []
	for _ in range(count):
		pan = (
			"".join(rng.choices(string.ascii_uppercase, k=3))
			+ rng.choice("CFPH")
			+ rng.choice(string.ascii_uppercase)
		)
		pan += f"{rng.randrange(10000):04d}" + rng.choice(string.ascii_uppercase)
		gstins.append(make_gstin(rng.choice(_STATES), pan, rng.choice("1112")))
	return gstins


def generate_records(
	n: int, *, seed: int = 0, recipient_gstin: str = "27AAPFU0939F1ZV", period: str = "102025"
) -> list[tuple[str, dict]]:
	"""`n` (section code, GETINV record) pairs for one recipient, spread over the 3 supplier
	periods ending at `period`."""
	rng = random.Random(seed)
	suppliers = _suppliers(rng, max(3, min(2000, n // 40)))
	end = period_index(period)
	periods = [end - 2, end - 1, end]
	codes = [code for code, weight in MIX for _ in range(weight)]
	counters: dict[str, int] = {}
	records: list[tuple[str, dict]] = []
	recipient_state = recipient_gstin[:2]
	for _ in range(n):
		code = rng.choice(codes)
		sec = SECTIONS[code]
		stin = rng.choice(suppliers)
		counters[stin] = counters.get(stin, 0) + 1
		rp = rng.choice(periods)
		year, month = rp // 12, rp % 12 + 1
		fy_start = year if month >= 4 else year - 1  # the Indian financial year, April to March
		fy = f"{fy_start % 100:02d}{(fy_start + 1) % 100:02d}"
		number = f"{_PREFIX[code]}/{fy}/{counters[stin]:06d}"
		day = f"{rng.randint(1, 28):02d}-{month:02d}-{year}"
		txval = round(rng.uniform(500, 500_000), 2)
		tax = round(txval * rng.choice(_RATES) / 100, 2)
		record: dict = {"stin": stin, sec.number_key: number, sec.date_key: day}
		if sec.is_amendment:
			original = max(1, counters[stin] - rng.randint(1, 50))
			record[sec.original_number_key] = f"{_PREFIX[code]}/{fy}/{original:06d}"
			before = rp - 1
			record[sec.original_date_key] = f"{rng.randint(1, 28):02d}-{before % 12 + 1:02d}-{before // 12}"
		if not sec.is_ecom:  # save.json: invoices and notes carry inv_typ, ECOM documents do not
			record["inv_typ"] = "R"
		record["srcform"] = rng.choices(("R1", "IFF", "R1A"), weights=(85, 10, 5))[0]
		record["rtnprd"] = period_of_index(rp)
		record["pos"] = recipient_state
		cess = round(txval * 0.01, 2) if rng.random() < 0.03 else 0
		if stin[:2] == recipient_state:
			half = round(tax / 2, 2)
			record.update(iamt=0, camt=half, samt=half)
		else:
			record.update(iamt=tax, camt=0, samt=0)
		record.update(cess=cess, txval=txval, val=round(txval + tax + cess, 2))
		blocked = code == "CN"  # R5 (pre Oct-2025): original credit notes cannot be kept Pending
		record["srcfilstatus"] = "Not Filed" if rng.random() < 0.1 else "Filed"
		record["ispendactblocked"] = "Y" if blocked else "N"
		# R7 asks on original credit notes from the Oct-2025 period (as core.rules applies it); an
		# amendment asks only when it lowers ITC, which these random originals cannot tell
		asks_r7 = code == "CN" and (year, month) >= OCT_2025
		record["isItcRedReqBlocked"] = "N" if asks_r7 else "Y"
		record["isRemarksBlocked"] = "N"
		choices = ("N", "A", "R") if blocked else ("N", "A", "R", "P")
		record["action"] = rng.choices(choices, weights=(85, 8, 3, 4)[: len(choices)])[0]
		if record["action"] == "A" and record["isItcRedReqBlocked"] == "N":
			record["itcRedReq"] = "Y"
		record["hash"] = record_hash(record)
		records.append((code, record))
	return records
