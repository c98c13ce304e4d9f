"""Checks on a request's parts that every handler shares: the JSON body, required query
parameters, GSTN's headers (present, `ip-usr` an IP address, `state-cd` the GSTIN's state) and
the GSTIN a call names. Each failure is a `Refusal` with GSTN's error code."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox.processing import Refusal


def json_body(body: bytes) -> Any:
	try:
		return json.loads(body or b"null")
	except ValueError:
		raise Refusal(v.IMSSAV005, "body is not JSON") from None


def required_param(query: dict, name: str) -> str:
	value = query.get(name)
	if not value:
		raise Refusal(v.GEN5001, f"parameter {name} is required")
	return value


def require_headers(headers: dict[str, str], names: tuple[str, ...]) -> None:
	"""GSTN's headers; a missing one is named. `ip-usr` must be an IP address and `ret_period`,
	when sent, MMYYYY."""
	for name in names:
		if not str(headers.get(name, "")).strip():
			raise Refusal(v.GEN5001, f"header {name} is required")
	try:
		ipaddress.ip_address(headers["ip-usr"].strip())
	except ValueError:
		raise Refusal(v.GEN5002, f"header ip-usr {headers['ip-usr']!r} is not an IP address") from None
	if "ret_period" in headers and not v.RTNPRD_RE.match(headers["ret_period"]):
		raise Refusal(v.GEN5002, f"header ret_period {headers['ret_period']!r} is not MMYYYY")


def check_state_code(headers: dict[str, str]) -> None:
	gstin = headers["gstin"].strip().upper()
	if not v.GSTIN_RE.match(gstin):
		raise Refusal(v.GEN5002, f"header gstin {gstin!r} is not a GSTIN")
	if headers["state-cd"].strip() != gstin[:2]:
		raise Refusal(v.GEN5002, f"header state-cd {headers['state-cd']!r} is not the GSTIN's {gstin[:2]}")


def request_gstin(query: dict, headers: dict) -> str:
	"""GETs name the GSTIN in the query, PUTs only in the header (and the body's rtin)."""
	gstin = (query.get("gstin") or headers.get("gstin", "")).upper()
	if gstin != headers.get("gstin", "").upper():
		raise Refusal(v.GEN5002, "gstin parameter and header differ")
	return gstin
