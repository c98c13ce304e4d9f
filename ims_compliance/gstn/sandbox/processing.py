"""SAVE, RESETIMS and GEN2B inside the sandbox: checked when they arrive (the whole request is
refused for a schema error, IMSSAV005, or while another is in progress, IMSSAV0015), then
processed asynchronously: REQSTS answers IP at least once, then P, or PE with a per-record
error report (credit/debit notes reported under `cn`/`dn`, as GSTN has been seen to do).
"""

from __future__ import annotations

import time

from ims_compliance.gstn.sandbox import schema
from ims_compliance.gstn.sandbox import vocabulary as codes
from ims_compliance.gstn.sandbox.generator import CONTENT_KEYS
from ims_compliance.gstn.sandbox.state import ACTION_KEYS, SandboxState, document_key
from ims_compliance.gstn.sandbox.vocabulary import SECTIONS
from ims_compliance.gstn.sandbox.vocabulary import find_section as section_by_key

#: A request nobody polls completes on its own after this many seconds (unless stuck).
AUTO_COMPLETE_SECONDS = 2.0
_SAME_DOCUMENT = ("stin", "inum", "nt_num", "idt", "nt_dt")
_AMOUNTS = ("val", "txval", "iamt", "camt", "samt", "cess")
_DECLARED_HEADS = {"declIgst": "iamt", "declCgst": "camt", "declSgst": "samt", "declCess": "cess"}
_PAISA = 0.005


class Refusal(Exception):
	"""The sandbox refuses a call with a GSTN error code (sent as status_cd 0)."""

	def __init__(self, code: str, message: str, *, http_status: int = 400, **details: object):
		self.code = code
		self.message = message
		self.http_status = http_status
		self.details = details
		super().__init__(f"{code}: {message}")


def check_envelope(body: object, *, gstin: str, action: str) -> dict:
	"""The SAVE/RESETIMS body against the published schema (`schema.check_envelope`); a failure
	refuses the whole request with IMSSAV005 naming the key."""
	try:
		return schema.check_envelope(body, gstin=gstin, action=action)
	except schema.SchemaError as exc:
		raise Refusal(codes.IMSSAV005, str(exc)) from None


def _due(request: dict, now: float) -> bool:
	if request["status_cd"] != "IP" or request.get("stuck"):
		return False
	if now < request["ready_at"]:
		return False
	return request["polls"] >= 1 or now - request["created"] >= AUTO_COMPLETE_SECONDS


def submit(
	state: SandboxState,
	*,
	gstin: str,
	kind: str,
	payload: dict,
	stuck: bool = False,
	delay: float = 0.0,
	fail: bool = False,
	lose_report: bool = False,
) -> str:
	"""Queue a SAVE/RESET (payload = invdata) or GEN2B (payload = {itcprd}); one at a time per GSTIN."""
	now = time.time()
	with state.lock:
		for ref, request in list(state.requests.items()):
			if request["gstin"] == gstin.upper() and request["status_cd"] == "IP":
				if _due(request, now):
					_process(state, ref)
				elif kind != "GEN2B" and request["kind"] != "GEN2B":
					raise Refusal(codes.IMSSAV0015, f"request {ref} is still in progress for {gstin}")
		ref = state.next_id("GEN" if kind == "GEN2B" else "IMS")
		state.requests[ref] = {
			"gstin": gstin.upper(),
			"kind": kind,
			"payload": payload,
			"status_cd": "IP",
			"polls": 0,
			"created": now,
			"ready_at": now + delay,
			"stuck": stuck,
			"fail": fail,
			"lose_report": lose_report,
		}
		state.dirty = True
		return ref


def settle(state: SandboxState, gstin: str) -> int:
	"""Process the GSTIN's requests that are due, as GSTN does whether anyone polls or not, so
	records read after a request's processing time show its result. Returns how many."""
	now = time.time()
	with state.lock:
		due = [
			ref
			for ref, request in state.requests.items()
			if request["gstin"] == gstin.upper() and _due(request, now)
		]
		for ref in due:
			_process(state, ref)
		return len(due)


def status(state: SandboxState, *, gstin: str, reference_id: str, kinds: tuple[str, ...]) -> dict:
	"""REQSTS / GENSTS2B: IP on the first poll, then the outcome once processed."""
	with state.lock:
		request = state.requests.get(reference_id)
		if request is None or request["gstin"] != gstin.upper() or request["kind"] not in kinds:
			raise Refusal(codes.GEN5002, f"no request {reference_id} for {gstin}")
		if _due(request, time.time()):
			_process(state, reference_id)
		elif request["status_cd"] == "IP":
			request["polls"] += 1
			state.dirty = True
		return {
			k: v
			for k, v in request.items()
			if k in ("status_cd", "proc_cnt", "err_cnt", "error_report", "itcprd", "summary")
		}


def _process(state: SandboxState, ref: str) -> None:
	request = state.requests[ref]
	if request.get("fail"):  # the ER outcome: GSTN could not process the request at all
		request.update(
			status_cd="ER",
			error_report={"error_cd": "SYS500", "error_msg": "sandbox fault: the request failed"},
		)
	elif request["kind"] == "GEN2B":
		_generate_2b(state, request)
	else:
		_apply(state, request)
	request.pop("payload", None)  # the result stays; the body is not needed again
	state.dirty = True


def _changed(stored: dict, record: dict) -> bool:
	"""Does the SAVE describe another version of the document than the one GSTN holds (R9)?
	Amounts compare as numbers with a missing head meaning 0, as GSTN omits zero heads."""
	for key in CONTENT_KEYS:
		if key in _SAME_DOCUMENT or key not in record:
			continue
		if key in _AMOUNTS:
			try:
				if abs(float(record[key] or 0) - float(stored.get(key) or 0)) > 0.005:
					return True
			except (TypeError, ValueError):
				return True
		elif record[key] != stored.get(key):
			return True
	return False


def _refuse_record(stored: dict | None, record: dict, sec_key: str, reset: bool) -> tuple[str, str] | None:
	"""GSTN's per-record checks; (code, message) when the record is refused."""
	if stored is None:
		return codes.IMSSAV0013, "no such document for this recipient"
	if _changed(stored, record):
		return codes.IMSSAV0010, "the supplier has changed this record; download it again"
	if "prev_status" in record and record["prev_status"] != stored.get("action", "N"):
		return codes.IMSSAV0010, (
			f"prev_status {record['prev_status']} does not match the current status {stored.get('action', 'N')}"
		)
	if reset:
		return None
	sec = section_by_key(sec_key)
	if record["action"] == "P" and stored.get("ispendactblocked") == "Y":
		return codes.IMSSAV0011, "R5: Pending is not allowed for this record (ispendactblocked = Y)"
	if record["action"] == "R" and sec.is_import:
		return codes.IMSSAV0012, "R4: a Bill of Entry can only be accepted or kept pending"
	if record["action"] == "A" and stored.get("isItcRedReqBlocked") == "N" and not record.get("itcRedReq"):
		return codes.IMSSAV0054, "R7: itcRedReq is required when accepting this record"
	if record["action"] == "A":
		return _declaration_refusal(stored, record)
	return None


def _declaration_refusal(stored: dict, record: dict) -> tuple[str, str] | None:
	"""GSTN's side of R7's declaration on an Accept (the sandbox judges on its own, so a client
	that drifts from GSTN fails here): itcRedReq "N" is a nil reversal and needs remarks, with no
	declared amounts; "Y" with declared amounts needs each head within 0..the record's tax, CGST
	equal to SGST, and remarks when below the tax on some head (a partial reversal). "Y" with
	none is a full reversal. An unsent head counts as 0."""
	answer = record.get("itcRedReq")
	sent = {key: record[key] for key in _DECLARED_HEADS if record.get(key) is not None}
	has_remarks = isinstance(record.get("remarks"), str) and bool(record["remarks"].strip())
	if answer != "Y" and sent:
		return codes.IMSSAV0056, "R7: declared amounts belong to a reversal (itcRedReq Y)"
	if answer == "N":
		return None if has_remarks else (codes.IMSSAV0055, "R7: a nil reversal needs remarks")
	if not sent:
		return None
	declared: dict[str, float] = {}
	for key, head in _DECLARED_HEADS.items():
		amount = sent.get(key, 0)
		if isinstance(amount, bool) or not isinstance(amount, int | float):
			return codes.IMSSAV0056, f"R7: {key} is not an amount"
		tax = float(stored.get(head) or 0)
		if not 0 <= amount <= tax + _PAISA:
			return codes.IMSSAV0056, f"R7: {key} {amount} is not within 0..{head} {tax}"
		declared[head] = float(amount)
	if abs(declared["camt"] - declared["samt"]) > _PAISA:
		return codes.IMSSAV0056, "R7: declared CGST and SGST must be equal"
	partial = any(declared[head] < float(stored.get(head) or 0) - _PAISA for head in declared)
	if partial and not has_remarks:
		return codes.IMSSAV0055, "R7: a partial reversal needs remarks"
	return None


def _apply(state: SandboxState, request: dict) -> None:
	reset = request["kind"] == "RESET"
	rows_by_code = state.records.setdefault(request["gstin"], {})
	processed, report = 0, {}
	for key, records in request["payload"].items():
		sec = section_by_key(key)
		rows = rows_by_code.get(sec.code, {})
		planned = state.refusals.get(request["gstin"], {})
		for record in records:
			doc_key = document_key(sec.code, record)
			stored = rows.get(doc_key)
			refusal = _refuse_record(stored, record, key, reset)
			if refusal and refusal[0] == codes.IMSSAV0010 and not _changed(stored, record):
				state.stats["stale_prev_status"] = state.stats.get("stale_prev_status", 0) + 1
			if refusal is None and f"{sec.code}|{doc_key}" in planned:
				refusal = tuple(planned.pop(f"{sec.code}|{doc_key}"))
			if refusal:
				report.setdefault(sec.report_key or key, []).append(
					{
						"stin": record.get("stin"),
						"error_cd": refusal[0],
						"error_msg": refusal[1],
						"inv": [{sec.number_key: record.get(sec.number_key), "rtnprd": record.get("rtnprd")}],
					}
				)
				continue
			for name in ACTION_KEYS:
				stored.pop(name, None)
			stored["action"] = "N" if reset else record["action"]
			if not reset:
				stored.update({k: record[k] for k in ACTION_KEYS if k in record and k != "action"})
			processed += 1
			name = "reset" if reset else "saved"
			state.stats[name] = state.stats.get(name, 0) + 1
	errors = sum(len(v) for v in report.values())
	request.update(status_cd="PE" if errors else "P", proc_cnt=processed, err_cnt=errors)
	if report and not request.get("lose_report"):  # (a fault: the count without the report)
		request["error_report"] = report


def _generate_2b(state: SandboxState, request: dict) -> None:
	"""Recompute GSTR-2B for `itcprd`: Accepted and No Action (deemed accepted) filed records give
	ITC, Rejected go to the rejected part, Pending are carried forward (section 1 table)."""
	itcprd = request["payload"]["itcprd"]
	upto = (int(itcprd[2:]), int(itcprd[:2]))
	summary = {"itc_available": 0.0, "itc_rejected": 0.0, "pending": 0, "records": 0}
	for code, rows in state.records.get(request["gstin"], {}).items():
		sign = -1 if SECTIONS[code].is_credit_note else 1
		for record in rows.values():
			period = str(record.get("rtnprd", "000000"))
			if (int(period[2:]), int(period[:2])) > upto or record.get("srcfilstatus") == "Not Filed":
				continue
			tax = sum(float(record.get(k) or 0) for k in ("iamt", "camt", "samt", "cess")) * sign
			action = record.get("action", "N")
			summary["records"] += 1
			if action in ("A", "N"):
				summary["itc_available"] = round(summary["itc_available"] + tax, 2)
			elif action == "R":
				summary["itc_rejected"] = round(summary["itc_rejected"] + tax, 2)
			else:
				summary["pending"] += 1
	state.gstr2b.setdefault(request["gstin"], {})[itcprd] = summary
	request.update(status_cd="P", itcprd=itcprd, summary=summary)
