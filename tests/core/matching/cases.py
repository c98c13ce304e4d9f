"""Labelled reconciliation cases (our own data, written by hand). Each: a label, the supplies, the
purchases, and per supply the expected (status, linked purchase, fields named in the reasons).
Defaults (see S and P): supplier A in Maharashtra, company C, invoice of 5 Oct 2025, taxable
1,000 with IGST 180, place of supply 27."""

from ims_compliance.core.gstin import make_gstin

A = make_gstin("27", "AABCA1111A")  # supplier A, Maharashtra
A_KA = make_gstin("29", "AABCA1111A")  # same PAN, Karnataka registration
B = make_gstin("27", "AABCB2222B")  # another supplier
C = make_gstin("27", "AAACI1234K")  # the company
C2 = make_gstin("29", "AAACI1234K")  # the company's other GSTIN


def S(name, number, **kw):
	row = {
		"name": name,
		"supplier_gstin": A,
		"company_gstin": C,
		"document_type": "Invoice",
		"section": "B2B",
		"document_number": number,
		"document_date": "2025-10-05",
		"original_number": None,
		"original_date": None,
		"place_of_supply": "27",
		"reverse_charge": False,
		"taxable_value": 1000.0,
		"igst": 180.0,
		"cgst": 0.0,
		"sgst": 0.0,
		"cess": 0.0,
		"supplier_filed": True,
		"match_status": None,
		"purchase": None,
	}
	row.update(kw)
	return row


def P(name, bill_no, **kw):
	row = {
		"name": name,
		"supplier_gstin": A,
		"company_gstin": C,
		"document_type": "Invoice",
		"bill_no": bill_no,
		"bill_date": "2025-10-05",
		"place_of_supply": "27",
		"reverse_charge": False,
		"taxable_value": 1000.0,
		"igst": 180.0,
		"cgst": 0.0,
		"sgst": 0.0,
		"cess": 0.0,
	}
	row.update(kw)
	return row


EX, SU, MM, MA, MP = "Exact Match", "Suggested Match", "Mismatch", "Manual Match", "Missing in PI"
NUMBER, DATE = "document_number", "document_date"


def suggested_number(label: str, ims_number: str, bill_no: str) -> tuple:
	"""Same document written two ways: equal once normalised, so Suggested with the number as
	the only reason."""
	return (label, [S("s", ims_number)], [P("p", bill_no)], {"s": (SU, "p", [NUMBER])})


CASES = [
	# --- exact
	("identical", [S("s", "INV-001")], [P("p", "INV-001")], {"s": (EX, "p", [])}),
	("case only differs", [S("s", "inv-001")], [P("p", "INV-001")], {"s": (EX, "p", [])}),
	(
		"rounding of 50 paise is within tolerance, and shown",
		[S("s", "R-1", igst=180.5)],
		[P("p", "R-1")],
		{"s": (EX, "p", ["igst"])},
	),
	(
		"intra-state taxes",
		[S("s", "IS-1", igst=0, cgst=90, sgst=90)],
		[P("p", "IS-1", igst=0, cgst=90, sgst=90)],
		{"s": (EX, "p", [])},
	),
	("cess equal", [S("s", "CS-1", cess=12.5)], [P("p", "CS-1", cess=12.5)], {"s": (EX, "p", [])}),
	# --- FY tokens, separators, leading zeros, prefixes -> same normalised number: suggested
	("FY long form", [S("s", "INV/2025-26/12")], [P("p", "12")], {"s": (SU, "p", ["document_number"])}),
	("FY short form", [S("s", "12/25-26")], [P("p", "INV-12")], {"s": (SU, "p", ["document_number"])}),
	("FY compact", [S("s", "2526/12")], [P("p", "12")], {"s": (SU, "p", ["document_number"])}),
	("FY prefix token", [S("s", "FY26-0012")], [P("p", "12")], {"s": (SU, "p", ["document_number"])}),
	("leading zeros", [S("s", "000123")], [P("p", "123")], {"s": (SU, "p", ["document_number"])}),
	("separators", [S("s", "AB/12-7")], [P("p", "AB 12 7")], {"s": (SU, "p", ["document_number"])}),
	("prefix INV", [S("s", "INV 555")], [P("p", "555")], {"s": (SU, "p", ["document_number"])}),
	("slash vs dash", [S("s", "K/77")], [P("p", "K-77")], {"s": (SU, "p", ["document_number"])}),
	(
		"date within window",
		[S("s", "D-1", document_date="2025-10-05")],
		[P("p", "D-1", bill_date="2025-10-09")],
		{"s": (SU, "p", ["document_date"])},
	),
	# --- mismatches
	("five rupees difference", [S("s", "M-1", igst=185)], [P("p", "M-1")], {"s": (MM, "p", ["igst"])}),
	(
		"taxable value differs",
		[S("s", "M-2", taxable_value=1100)],
		[P("p", "M-2")],
		{"s": (MM, "p", ["taxable_value"])},
	),
	(
		"two amounts differ",
		[S("s", "M-3", taxable_value=2000, igst=360)],
		[P("p", "M-3")],
		{"s": (MM, "p", ["taxable_value", "igst"])},
	),
	(
		"date outside window",
		[S("s", "M-4", document_date="2025-10-01")],
		[P("p", "M-4", bill_date="2025-11-20")],
		{"s": (MM, "p", ["document_date"])},
	),
	(
		"place of supply differs",
		[S("s", "M-5", place_of_supply="29")],
		[P("p", "M-5")],
		{"s": (MM, "p", ["place_of_supply"])},
	),
	(
		"company GSTIN differs",
		[S("s", "M-6", company_gstin=C2)],
		[P("p", "M-6")],
		{"s": (MM, "p", ["company_gstin"])},
	),
	(
		"same PAN, other state registration",
		[S("s", "M-7", supplier_gstin=A_KA)],
		[P("p", "M-7")],
		{"s": (MM, "p", ["supplier_gstin"])},
	),
	(
		"leftover pair with equal amounts",
		[S("s", "XYZ-1", taxable_value=4321, igst=777.78)],
		[P("p", "ABC-9", taxable_value=4321, igst=777.78, bill_date="2025-10-08")],
		{"s": (MM, "p", ["document_number", "document_date"])},
	),
	(
		"cgst/sgst split vs igst",
		[S("s", "M-8", igst=0, cgst=90, sgst=90)],
		[P("p", "M-8")],
		{"s": (MM, "p", ["igst", "cgst", "sgst"])},
	),
	# --- not matched
	(
		"same number, different supplier",
		[S("s", "N-1")],
		[P("p", "N-1", supplier_gstin=B)],
		{"s": (MP, None, [])},
	),
	("no purchase at all", [S("s", "N-2")], [], {"s": (MP, None, [])}),
	(
		"different number and amount",
		[S("s", "N-3")],
		[P("p", "Q-3", taxable_value=5000, igst=900)],
		{"s": (MP, None, [])},
	),
	(
		"reverse document class",
		[S("s", "N-4", document_type="Credit Note", section="CN")],
		[P("p", "N-4")],
		{"s": (MP, None, [])},
	),
	# --- credit and debit notes
	(
		"credit note vs return invoice",
		[S("s", "CN-1", document_type="Credit Note", section="CN")],
		[P("p", "CN-1", document_type="Credit Note")],
		{"s": (EX, "p", [])},
	),
	(
		"debit note does not match an invoice-type purchase",
		[S("s", "DN-1", document_type="Debit Note", section="DN")],
		[P("p", "DN-1")],
		{"s": (MP, None, [])},
	),
	(
		"credit note amount differs",
		[S("s", "CN-2", document_type="Credit Note", section="CN", igst=90)],
		[P("p", "CN-2", document_type="Credit Note")],
		{"s": (MM, "p", ["igst"])},
	),
	# --- one-to-one
	(
		"duplicate supplies for one invoice",
		[
			S("s1", "DUP-1"),
			S(
				"s2",
				"DUP-1",
				section="B2BA",
				original_number="DUP-1",
				original_date="2025-10-05",
				document_date="2025-10-07",
			),
		],
		[P("p", "DUP-1")],
		{"s1": (EX, "p", []), "s2": (MP, None, [])},
	),
	(
		"one invoice, two candidate supplies: the closer wins",
		[S("s1", "TW-1", igst=185), S("s2", "TW-1", supplier_gstin=A_KA)],
		[P("p", "TW-1")],
		{"s1": (MM, "p", ["igst"]), "s2": (MP, None, [])},
	),
	(
		"two invoices, two supplies, crossed numbers resolve by number",
		[S("s1", "X-1"), S("s2", "X-2")],
		[P("p2", "X-2"), P("p1", "X-1")],
		{"s1": (EX, "p1", []), "s2": (EX, "p2", [])},
	),
	(
		"the exact pair beats a fuzzy one",
		[S("s1", "F-100"), S("s2", "F-10")],
		[P("p", "F-100")],
		{"s1": (EX, "p", []), "s2": (MP, None, [])},
	),
	# --- fuzzy
	(
		"typo in number, amounts equal",
		[S("s", "ABC12345")],
		[P("p", "ABC12354")],
		{"s": (SU, "p", ["document_number"])},
	),
	("extra character", [S("s", "HX99881")], [P("p", "HX998817")], {"s": (SU, "p", ["document_number"])}),
	(
		"typo but amounts far apart: no match",
		[S("s", "ZQ12345", taxable_value=9000, igst=1620)],
		[P("p", "ZQ12354")],
		{"s": (MP, None, [])},
	),
	# --- amendments
	(
		"amendment matches by its original number",
		[S("s", "AMD-9R", section="B2BA", original_number="AMD-9", original_date="2025-10-01")],
		[P("p", "AMD-9")],
		{"s": (SU, "p", ["document_number"])},
	),
	(
		"amendment with new amounts",
		[
			S(
				"s",
				"AMD-8R",
				section="B2BA",
				original_number="AMD-8",
				original_date="2025-10-01",
				taxable_value=1500,
				igst=270,
			)
		],
		[P("p", "AMD-8")],
		{"s": (MM, "p", ["document_number", "taxable_value", "igst"])},
	),
	# --- manual match is kept
	(
		"manual match is never overridden",
		[S("s", "MAN-1", match_status=MA, purchase="p-other")],
		[P("p", "MAN-1"), P("p-other", "ELSE")],
		{"s": (MA, "p-other", ["document_number"])},  # kept, and still explained
	),
	(
		"a manually linked purchase is not given to another supply",
		[S("s1", "MAN-2", match_status=MA, purchase="p"), S("s2", "MAN-2")],
		[P("p", "MAN-2")],
		{"s1": (MA, "p", []), "s2": (MP, None, [])},
	),
	# --- unfiled supplier records
	(
		"unfiled supplier record still matches",
		[S("s", "UF-1", supplier_filed=False)],
		[P("p", "UF-1")],
		{"s": (EX, "p", [])},
	),
	(
		"unfiled supplier record with no purchase",
		[S("s", "UF-2", supplier_filed=False)],
		[],
		{"s": (MP, None, [])},
	),
	# --- FY tokens in more styles (the serial is 42 throughout)
	suggested_number("FY 2023-24 long", "INV/2023-24/042", "42"),
	suggested_number("FY 23-24 short", "42/23-24", "INV-42"),
	suggested_number("FY 2324 compact", "2324/42", "0042"),
	suggested_number("FY24 token", "FY24/42", "42"),
	suggested_number("FY 2023-24 with a space after FY", "FY 2023-24/42", "42"),
	suggested_number("FY pair separated by spaces", "INV 2025 26 00042", "INV/2025-26/42"),
	suggested_number("FY on both sides in different styles", "SB/24-25/0042", "SB-2024-25-42"),
	(
		"a serial that looks like a year is kept",
		[S("s", "2526")],
		[P("p", "25")],
		{"s": (MM, "p", [NUMBER])},  # not the same number: only the leftover pass (equal amounts) links them
	),
	# --- tolerance boundaries
	("exactly Rs 1.00 off is within", [S("s", "B-1", igst=181)], [P("p", "B-1")], {"s": (EX, "p", ["igst"])}),
	("Rs 1.01 off is outside", [S("s", "B-2", igst=181.01)], [P("p", "B-2")], {"s": (MM, "p", ["igst"])}),
	(
		"10 days apart is within the window",
		[S("s", "B-3", document_date="2025-10-15")],
		[P("p", "B-3", bill_date="2025-10-05")],
		{"s": (SU, "p", [DATE])},
	),
	(
		"11 days apart is outside the window",
		[S("s", "B-4", document_date="2025-10-16")],
		[P("p", "B-4", bill_date="2025-10-05")],
		{"s": (MM, "p", [DATE])},
	),
	(
		"leftover pair outside the date window stays apart",
		[S("s", "LW-1", taxable_value=4321, igst=777.78)],
		[P("p", "QQ-9", taxable_value=4321, igst=777.78, bill_date="2025-11-30")],
		{"s": (MP, None, [])},
	),
	# --- PAN level
	(
		"same PAN, other state, amounts differ too",
		[S("s", "PN-1", supplier_gstin=A_KA, igst=200)],
		[P("p", "PN-1")],
		{"s": (MM, "p", ["igst", "supplier_gstin"])},
	),
	(
		"GSTIN-level candidate beats a PAN-level one",
		[S("s1", "PN-2", supplier_gstin=A_KA), S("s2", "PN-2")],
		[P("p", "PN-2")],
		{"s2": (EX, "p", []), "s1": (MP, None, [])},
	),
	# --- blanks never match blanks
	(
		"supply without supplier GSTIN does not meet a purchase without one",
		[S("s", "BL-1", supplier_gstin=None, document_type="Bill of Entry", section="IMPG")],
		[P("p", "BL-1", supplier_gstin=None)],
		{"s": (MP, None, [])},
	),
	(
		"purchase without a bill number is found only by amounts",
		[S("s", "BL-2", taxable_value=777, igst=139.86)],
		[P("p", "", taxable_value=777, igst=139.86)],
		{"s": (MM, "p", [NUMBER])},
	),
	(
		"unknown place of supply on the purchase is not a difference",
		[S("s", "BL-3")],
		[P("p", "BL-3", place_of_supply=None, company_gstin=None)],
		{"s": (EX, "p", [])},
	),
	# --- debit notes and document types
	(
		"debit note prefers a debit-note purchase",
		[S("s", "DN-2", document_type="Debit Note", section="DN")],
		[P("p-inv", "DN-2"), P("p-dn", "DN-2", document_type="Debit Note")],
		{"s": (EX, "p-dn", [])},
	),
	(
		"invoice does not match a purchase marked debit note",
		[S("s", "DN-3")],
		[P("p", "DN-3", document_type="Debit Note")],
		{"s": (MP, None, [])},
	),
	(
		"credit note does not match an ordinary purchase even by amounts",
		[S("s", "CN-3", document_type="Credit Note", section="CN", taxable_value=4444, igst=799.92)],
		[P("p", "ZZ-3", taxable_value=4444, igst=799.92)],
		{"s": (MP, None, [])},
	),
	# --- amendments of notes
	(
		"credit-note amendment matches the return invoice by the original number",
		[
			S(
				"s",
				"CN-4R",
				document_type="Credit Note",
				section="CNA",
				original_number="CN-4",
				original_date="2025-10-01",
			)
		],
		[P("p", "CN-4", document_type="Credit Note")],
		{"s": (SU, "p", [NUMBER])},
	),
	(
		"amendment keeping its number matches exactly",
		[S("s", "AMD-7", section="B2BA", original_number="AMD-7", original_date="2025-10-05")],
		[P("p", "AMD-7")],
		{"s": (EX, "p", [])},
	),
	# --- unfiled supplier records
	(
		"unfiled supplier record with an amount difference",
		[S("s", "UF-3", supplier_filed=False, cgst=5)],
		[P("p", "UF-3")],
		{"s": (MM, "p", ["cgst"])},
	),
	# --- several differences at once
	(
		"fuzzy number and a date inside the window",
		[S("s", "QWE98765", document_date="2025-10-07")],
		[P("p", "QWE98756")],
		{"s": (SU, "p", [NUMBER, DATE])},
	),
	(
		"company GSTIN and place of supply both differ",
		[S("s", "CP-1", company_gstin=C2, place_of_supply="29")],
		[P("p", "CP-1")],
		{"s": (MM, "p", ["company_gstin", "place_of_supply"])},
	),
	(
		"two supplies and two bills with one normalised number: best pairs first",
		[S("s2", "ch 1", igst=185), S("s1", "CH-1")],
		[P("p2", "CH/1", igst=185), P("p1", "CH-1")],
		{"s1": (EX, "p1", []), "s2": (SU, "p2", [NUMBER])},
	),
]
