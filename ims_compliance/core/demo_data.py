"""The demo's data (`bench ims-demo`, issue 9): one month of a company's purchases and what its
suppliers reported to IMS for them, with the differences a real month has.

Pure and deterministic: the same company GSTIN, period and size always give the same suppliers,
bill numbers, amounts and IMS records, so a re-run of the demo recognises what it already made
and a test can name what each record must become after reconciliation (`expected_status`).

The story, for a company in Maharashtra (state 27) and the month before today:
- 40 suppliers, local (CGST + SGST) and from other states (IGST), each numbering its documents
  its own way ("SGT/10412", "INV-10412", "PKW10412");
- for most purchases the supplier reported exactly what we booked (Exact Match);
- Rs 0.40 rounding between our tax and theirs (within the Rs 1 tolerance: still Exact Match);
- FY suffixes the supplier adds ("INV-10412/26-27" in IMS, "INV-10412" in our books), numbers
  we re-typed with a digit dropped or other separators, a bill dated a few days off (Suggested
  Match, to review);
- a wrong amount (Mismatch, recommended Reject);
- invoices in IMS that we never booked (Missing in PI, kept Pending) and bills no supplier
  reported (Missing in IMS);
- records the supplier saved but has not filed (srcfilstatus Not Filed, R10), one of which the
  supplier edits later (`supplier_edit`, R9);
- credit notes (our return Purchase Invoices, "debit notes" on our side) and debit notes;
- an amendment (B2BA) of an invoice from the month before, pointing at its original.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from ims_compliance.core.gstin import make_gstin, state_code_of
from ims_compliance.core.periods import OCT_2025, ReturnPeriod, format_gstn_date

SUPPLIER_NAMES: tuple[str, ...] = (
	"Shree Ganesh Traders",
	"Patel Packaging Works",
	"Kaveri Steel Industries",
	"Sahyadri Logistics",
	"Nirmal Office Supplies",
	"Deccan Chemicals",
	"Ashoka Electricals",
	"Bharat Hardware Mart",
	"Konkan Fresh Foods",
	"Vardhman Textiles",
	"Annapurna Caterers",
	"Sai Krupa Transport",
	"Mahalaxmi Plastics",
	"Godavari Paper Mills",
	"Triveni Engineering Works",
	"Orion Software Services",
	"Lotus Printing Press",
	"Indus Pharma Distributors",
	"Narmada Cement Agency",
	"Himalaya Glass House",
	"Chola Auto Components",
	"Malabar Spices Company",
	"Rajputana Marble Udyog",
	"Ganga Fabricators",
	"Sunrise Solar Systems",
	"Everest Safety Equipment",
	"Pioneer Tools Corporation",
	"Coastal Cold Storage",
	"Vidarbha Cotton Ginners",
	"Metro Furniture Studio",
	"Zenith Lab Instruments",
	"Apex Industrial Gases",
	"Shakti Power Cables",
	"Kalinga Aluminium Works",
	"Suvarna Jewellers Supplies",
	"Nilgiri Tea Traders",
	"Pragati Courier Services",
	"Mangal Rubber Products",
	"Yamuna Water Solutions",
	"Tulsi Housekeeping Services",
)
#: Most buying is local (the company is in 27); the rest comes from the big trading states.
_STATES = ("27", "27", "27", "27", "29", "24", "07", "33", "09", "36")
_RATES = (5, 12, 18, 18, 18, 28)
_STYLES = ("{code}/{n}", "INV-{n}", "{code}{n}", "{code}-{n}")

EXACT = "exact"
ROUNDING = "rounding"
FY_SUFFIX = "fy_suffix"
TYPO = "typo"
DATE_OFF = "date_off"
WRONG_AMOUNT = "wrong_amount"
NOT_FILED = "not_filed"
SUPPLIER_EDIT = "supplier_edit"
MISSING_IN_PI = "missing_in_pi"
MISSING_IN_IMS = "missing_in_ims"
CREDIT_NOTE = "credit_note"
DEBIT_NOTE = "debit_note"
AMENDMENT = "amendment"

#: What reconciliation must make of each kind (the engine's MatchStatus values; "Missing in
#: IMS" is a purchase no supply took).
EXPECTED_STATUS: dict[str, str] = {
	EXACT: "Exact Match",
	ROUNDING: "Exact Match",
	NOT_FILED: "Exact Match",
	SUPPLIER_EDIT: "Exact Match",
	CREDIT_NOTE: "Exact Match",
	DEBIT_NOTE: "Exact Match",
	AMENDMENT: "Exact Match",
	FY_SUFFIX: "Suggested Match",
	TYPO: "Suggested Match",
	DATE_OFF: "Suggested Match",
	WRONG_AMOUNT: "Mismatch",
	MISSING_IN_PI: "Missing in PI",
	MISSING_IN_IMS: "Missing in IMS",
}


@dataclass(frozen=True)
class DemoSupplier:
	name: str
	gstin: str
	code: str  # three letters the supplier prints on its documents
	style: str  # its numbering, a format with {code} and {n}


@dataclass(frozen=True)
class DemoPurchase:
	"""A Purchase Invoice as we booked it (a return invoice when `is_return`)."""

	supplier: DemoSupplier
	bill_no: str
	bill_date: dt.date
	is_return: bool
	taxable_value: float
	igst: float
	cgst: float
	sgst: float
	cess: float
	is_debit_note: bool = False  # booked as the supplier's debit note (it matches DN records only)

	@property
	def taxes(self) -> dict[str, float]:
		"""Tax head -> amount, only the heads that apply."""
		amounts = {"IGST": self.igst, "CGST": self.cgst, "SGST": self.sgst, "Cess": self.cess}
		return {head: amount for head, amount in amounts.items() if amount}


@dataclass(frozen=True)
class DemoDocument:
	"""One supplier document: what we booked (or None) and what IMS shows (or None)."""

	kind: str
	supplier: DemoSupplier
	purchase: DemoPurchase | None
	section: str | None  # IMS section code
	record: dict | None  # GETINV-shaped, without hash (the sandbox adds it)

	@property
	def expected_status(self) -> str:
		return EXPECTED_STATUS[self.kind]

	@property
	def number(self) -> str | None:
		"""The document number as IMS shows it."""
		if not self.record:
			return None
		return self.record.get("inum") or self.record.get("nt_num")


@dataclass
class DemoPlan:
	company_gstin: str
	period: ReturnPeriod
	suppliers: list[DemoSupplier]
	documents: list[DemoDocument] = field(default_factory=list)

	@property
	def purchases(self) -> list[DemoPurchase]:
		return [d.purchase for d in self.documents if d.purchase]

	@property
	def records(self) -> dict[str, list[dict]]:
		"""IMS records by section code, as the sandbox's `records` control takes them."""
		by_section: dict[str, list[dict]] = {}
		for doc in self.documents:
			if doc.record:
				by_section.setdefault(doc.section, []).append(doc.record)
		return by_section

	def of_kind(self, kind: str) -> list[DemoDocument]:
		return [d for d in self.documents if d.kind == kind]

	@property
	def purchase_dates(self) -> list[dt.date]:
		return sorted({p.bill_date for p in self.purchases})


def noise_counts(size: int) -> dict[str, int]:
	"""How many documents of each kind a plan of `size` Purchase Invoices has: every kind at
	least once, so a small test plan still shows the whole story."""

	def share(divisor: int) -> int:
		return max(1, size // divisor)

	counts = {
		CREDIT_NOTE: share(25),
		DEBIT_NOTE: share(100),
		AMENDMENT: 1,
		MISSING_IN_IMS: share(150),
		FY_SUFFIX: share(30),
		TYPO: share(40),
		ROUNDING: share(30),
		WRONG_AMOUNT: share(60),
		DATE_OFF: share(100),
		NOT_FILED: share(30) - 1,
		SUPPLIER_EDIT: 1,
	}
	counts[EXACT] = size - sum(counts.values())
	if counts[EXACT] < 1:
		raise ValueError(f"a demo needs at least {size - counts[EXACT] + 1} purchase invoices, not {size}")
	counts[MISSING_IN_PI] = share(100)  # IMS records with no Purchase Invoice: beyond `size`
	return counts


def demo_company_gstin(site: str, state_code: str = "27") -> str:
	"""The demo company's GSTIN on `site`: derived from the site name, so two sites of one bench
	get different GSTINs (their records never mix in a shared sandbox, and `ims-demo --remove` on
	one takes only its own) and a re-run on the same site finds the same one. A company PAN
	(4th letter C) with a valid check character; never one of the demo suppliers' (their PANs
	start with "AA", these with "AB" to "ZZ")."""
	digest = hashlib.sha256(site.strip().lower().encode()).digest()
	letters = [chr(65 + b % 26) for b in digest[:4]]
	first = chr(66 + digest[4] % 25)  # B..Z: never "AA..." like the suppliers
	digits = int.from_bytes(digest[5:8], "big") % 10000
	pan = f"{first}{letters[0]}{letters[1]}C{letters[2]}{digits:04d}{letters[3]}"
	return make_gstin(state_code, pan)


def demo_suppliers(count: int = 40, *, seed: int = 9) -> list[DemoSupplier]:
	"""`count` suppliers with valid GSTINs (the same ones for every period and company)."""
	if not 1 <= count <= len(SUPPLIER_NAMES):
		raise ValueError(f"the demo has 1 to {len(SUPPLIER_NAMES)} suppliers, not {count}")
	rng = random.Random(seed)
	suppliers = []
	codes: set[str] = set()
	for index, name in enumerate(SUPPLIER_NAMES[:count]):
		words = [w for w in name.upper().split() if w.isalpha()]
		code = "".join(w[0] for w in words)[:3].ljust(3, "X")
		while code in codes:
			code = code[:2] + chr(65 + (ord(code[2]) - 64) % 26)
		codes.add(code)
		# PAN: 3 letters, C (a company) or F (a firm), the name's initial, 4 digits, a letter
		pan = f"AA{chr(65 + index % 26)}{'CF'[index % 2]}{name[0]}{1000 + index * 37:04d}{chr(65 + rng.randrange(26))}"
		suppliers.append(
			DemoSupplier(
				name=name,
				gstin=make_gstin(_STATES[index % len(_STATES)], pan),
				code=code,
				style=_STYLES[index % len(_STYLES)],
			)
		)
	return suppliers


def build_plan(
	company_gstin: str, period: ReturnPeriod, *, size: int = 300, suppliers: int = 40, seed: int = 9
) -> DemoPlan:
	"""The month's `size` Purchase Invoices and the IMS records their suppliers reported."""
	rng = random.Random(f"{seed}|{company_gstin}|{period}|{size}|{suppliers}")
	plan = DemoPlan(
		company_gstin=company_gstin, period=period, suppliers=demo_suppliers(suppliers, seed=seed)
	)
	counts = noise_counts(size)
	kinds = [kind for kind, n in counts.items() for _ in range(n) if kind not in (AMENDMENT, SUPPLIER_EDIT)]
	rng.shuffle(kinds)
	# the record the supplier edits comes first, so it is the same document whatever the size
	# (`ims-demo --supplier-edit` finds it); the amendment last, after its supplier's invoices
	kinds = [SUPPLIER_EDIT, *kinds, AMENDMENT]
	# serials move on every month, so two months of demo never reuse a bill number
	month_index = (period.year - 2024) * 12 + period.month
	serials = {s.gstin: 10000 + month_index * 100 for s in plan.suppliers}
	maker = _Maker(plan, rng, serials)
	for index, kind in enumerate(kinds):
		supplier = plan.suppliers[index % len(plan.suppliers)]
		plan.documents.append(maker.document(kind, supplier))
	return plan


def supplier_edit(plan: DemoPlan) -> dict:
	"""The supplier's later edit of its unfiled record (R9), as the sandbox's `edit` control
	takes it: a higher taxable value, taxes and value to match."""
	doc = plan.of_kind(SUPPLIER_EDIT)[0]
	record = doc.record
	txval = round(record["txval"] + 5000, 2)
	rate = round((record["iamt"] + record["camt"] + record["samt"]) / record["txval"] * 100)
	changes = _tax_split(txval, rate, local=record["camt"] > 0)
	changes["txval"] = txval
	changes["val"] = round(txval + changes["iamt"] + changes["camt"] + changes["samt"] + record["cess"], 2)
	return {
		"gstin": plan.company_gstin,
		"section": doc.section,
		"stin": record["stin"],
		"number": record["inum"],
		"changes": changes,
	}


def _tax_split(taxable: float, rate: float, *, local: bool) -> dict[str, float]:
	tax = round(taxable * rate / 100, 2)
	if local:
		half = round(tax / 2, 2)
		return {"iamt": 0.0, "camt": half, "samt": half}
	return {"iamt": tax, "camt": 0.0, "samt": 0.0}


class _Maker:
	"""Builds one document of a kind; holds the plan's random stream and each supplier's serial."""

	def __init__(self, plan: DemoPlan, rng: random.Random, serials: dict[str, int]):
		self.plan = plan
		self.rng = rng
		self.serials = serials
		self.state = state_code_of(plan.company_gstin)
		self.period = plan.period
		fy = plan.period.financial_year  # "2026-27"
		self.fy_suffix = f"{fy[2:4]}-{fy[-2:]}"

	def _serial(self, supplier: DemoSupplier) -> int:
		self.serials[supplier.gstin] += 1
		return self.serials[supplier.gstin]

	def _day(self, period: ReturnPeriod, *, latest: int = 31) -> dt.date:
		last = period.last_day.day
		return period.first_day.replace(day=self.rng.randint(1, min(last, latest)))

	def _amounts(self, supplier: DemoSupplier, low: float, high: float) -> dict[str, float]:
		taxable = round(self.rng.uniform(low, high), 2)
		values = _tax_split(taxable, self.rng.choice(_RATES), local=supplier.gstin[:2] == self.state)
		values["cess"] = round(taxable * 0.01, 2) if self.rng.random() < 0.03 else 0.0
		values["txval"] = taxable
		return values

	def _record(
		self,
		supplier: DemoSupplier,
		section: str,
		number: str,
		day: dt.date,
		amounts: dict[str, float],
		*,
		filed: bool = True,
	) -> dict:
		is_note = section in ("CN", "DN")
		record: dict = {"stin": supplier.gstin}
		if is_note:
			record.update(nt_num=number, nt_dt=format_gstn_date(day))
		else:
			record.update(inum=number, idt=format_gstn_date(day), inv_typ="R")
		tax = amounts["iamt"] + amounts["camt"] + amounts["samt"] + amounts["cess"]
		# R5: original credit notes cannot be kept Pending; R7: from Oct-2025 accepting one asks
		# whether ITC must be reduced (as the sandbox's own generator marks them)
		credit = section == "CN"
		record.update(
			srcform="R1",
			rtnprd=str(self.period),
			pos=self.state,
			val=round(amounts["txval"] + tax, 2),
			txval=amounts["txval"],
			iamt=amounts["iamt"],
			camt=amounts["camt"],
			samt=amounts["samt"],
			cess=amounts["cess"],
			srcfilstatus="Filed" if filed else "Not Filed",
			ispendactblocked="Y" if credit else "N",
			isItcRedReqBlocked="N" if credit and (self.period.year, self.period.month) >= OCT_2025 else "Y",
			isRemarksBlocked="N",
			action="N",
		)
		return record

	@staticmethod
	def _purchase(
		supplier: DemoSupplier,
		bill_no: str,
		day: dt.date,
		amounts: dict[str, float],
		*,
		is_return=False,
		is_debit_note=False,
	) -> DemoPurchase:
		return DemoPurchase(
			supplier=supplier,
			bill_no=bill_no,
			bill_date=day,
			is_return=is_return,
			taxable_value=amounts["txval"],
			igst=amounts["iamt"],
			cgst=amounts["camt"],
			sgst=amounts["samt"],
			cess=amounts["cess"],
			is_debit_note=is_debit_note,
		)

	def document(self, kind: str, supplier: DemoSupplier) -> DemoDocument:
		serial = self._serial(supplier)
		number = supplier.style.format(code=supplier.code, n=serial)
		if kind == CREDIT_NOTE:
			number = f"CN/{supplier.code}/{serial}"
		elif kind == DEBIT_NOTE:
			number = f"DN/{supplier.code}/{serial}"
		small = kind in (CREDIT_NOTE, DEBIT_NOTE)
		amounts = self._amounts(supplier, 500, 25_000) if small else self._amounts(supplier, 2_000, 250_000)
		day = self._day(self.period, latest=self.period.last_day.day - 4)
		section = {CREDIT_NOTE: "CN", DEBIT_NOTE: "DN", AMENDMENT: "B2BA"}.get(kind, "B2B")
		bill_no, bill_day, booked = number, day, dict(amounts)
		ims_number = number
		if kind == AMENDMENT:
			# an invoice of the month before, corrected in this month's GSTR-1A (B2BA, pointing
			# at the original); we booked it with the corrected values
			day = bill_day = self._day(self.period.previous())
		elif kind == ROUNDING:
			head = "camt" if booked["camt"] else "iamt"
			booked[head] = round(booked[head] + 0.40, 2)
		elif kind == FY_SUFFIX:
			ims_number = f"{number}/{self.fy_suffix}"
		elif kind == TYPO:
			bill_no = _typo(number, self.rng)
		elif kind == DATE_OFF:
			bill_day = day + dt.timedelta(days=3)
		elif kind == WRONG_AMOUNT:
			booked["txval"] = round(booked["txval"] * 1.1, 2)
		purchase = None
		if kind != MISSING_IN_PI:
			purchase = self._purchase(
				supplier,
				bill_no,
				bill_day,
				booked,
				is_return=kind == CREDIT_NOTE,
				is_debit_note=kind == DEBIT_NOTE,
			)
		record = None
		if kind != MISSING_IN_IMS:
			filed = kind not in (NOT_FILED, SUPPLIER_EDIT)
			record = self._record(supplier, section, ims_number, day, amounts, filed=filed)
			if kind == AMENDMENT:
				record.update(oinum=ims_number, oidt=record["idt"], srcform="R1A")
		return DemoDocument(
			kind=kind,
			supplier=supplier,
			purchase=purchase,
			section=section if record else None,
			record=record,
		)


def _typo(number: str, rng: random.Random) -> str:
	"""How a clerk re-types a supplier's number: a digit dropped, or other separators and case."""
	if rng.random() < 0.5:
		digits = [i for i, ch in enumerate(number) if ch.isdigit()]
		drop = digits[len(digits) // 2]
		return number[:drop] + number[drop + 1 :]
	if "/" in number:
		return number.replace("/", "-").lower()
	if "-" in number:
		return number.replace("-", " ").lower()
	letters = len(number) - len(number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
	return f"{number[:letters]}-{number[letters:]}".lower()
