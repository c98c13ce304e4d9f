"""The IMS calls (GETINV, FILEDET, GETCNT, REQSTS, SAVE, RESETIMS) and GSTR-2B's recompute
(GEN2B, GENSTS2B) in the sandbox: parameters checked, then the records, counts and requests of
`state` and `processing` in GSTN's shapes (IMS_DOMAIN.md section 3)."""

from __future__ import annotations

from typing import Any

from ims_compliance.gstn.sandbox import schema
from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox.config import SandboxConfig
from ims_compliance.gstn.sandbox.faults import FaultInjector
from ims_compliance.gstn.sandbox.files import FileHandlers
from ims_compliance.gstn.sandbox.processing import Refusal, check_envelope, settle, status, submit
from ims_compliance.gstn.sandbox.request_checks import request_gstin, required_param
from ims_compliance.gstn.sandbox.state import SandboxState

NO_DOCUMENTS_CODE = v.RET13509


class ImsHandlers(FileHandlers):
	"""The returns/ims and returns/gstr2b endpoints; a part of `GstnApi`, which sets the
	attributes below. A large GETINV result is queued as a file (`FileHandlers`)."""

	state: SandboxState
	config: SandboxConfig
	faults: FaultInjector

	def _ims(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), request_gstin(query, headers)
		if method == "GET" and action in (v.GETINV, v.GETCNT):
			settle(self.state, gstin)  # GSTN works through requests on its own, polled or not
		if method == "GET" and action == v.GETINV:
			return self._getinv(gstin, required_param(query, "section"), base_url)
		if method == "GET" and action == v.FILEDET:
			return self._filedet(gstin, required_param(query, "token"))
		if method == "GET" and action == v.GETCNT:
			goods = required_param(query, "goods_typ")
			if goods != v.GOODS_TYPE_ALL_OTHER:
				raise Refusal(v.GEN5002, f"goods_typ {goods!r} is not served; use {v.GOODS_TYPE_ALL_OTHER}")
			return self.state.counts(gstin)
		if method == "GET" and action == v.REQSTS:
			ref = required_param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("SAVE", "RESET"))
		if method == "PUT" and action in (v.SAVE, v.RESETIMS):
			invdata = check_envelope(body, gstin=gstin, action=action)
			plan = self.faults.plan
			ref = submit(
				self.state,
				gstin=gstin,
				kind="SAVE" if action == v.SAVE else "RESET",
				payload=invdata,
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
				fail=plan.failed_requests,
				lose_report=plan.lost_error_reports,
			)
			return {"reference_id": ref}
		raise Refusal(v.GEN5002, f"unknown IMS call {method} action={action!r}")

	def _getinv(self, gstin: str, section: str, base_url: str) -> dict:
		sec = v.find_section(section)
		if sec is None:
			raise Refusal(v.GEN5002, f"unknown section {section!r}")
		rows = self.state.section_records(gstin, sec.code)
		if not rows:
			raise Refusal(NO_DOCUMENTS_CODE, f"no documents found for section {sec.code}", http_status=200)
		if len(rows) <= self.config.queue_threshold:
			return {sec.key: rows}
		return self._queue_file(gstin, sec.key, rows, base_url)

	def _gstr2b(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), request_gstin(query, headers)
		if method == "PUT" and action == v.GEN2B:
			try:
				itcprd = schema.check_gen2b(body, gstin=gstin)
			except schema.SchemaError as exc:
				raise Refusal(v.IMSSAV005, str(exc)) from None
			plan = self.faults.plan
			ref = submit(
				self.state,
				gstin=gstin,
				kind="GEN2B",
				payload={"itcprd": itcprd},
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
				fail=plan.failed_requests,
			)
			return {"reference_id": ref}
		if method == "GET" and action == v.GENSTS2B:
			ref = required_param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("GEN2B",))
		raise Refusal(v.GEN5002, f"unknown GSTR-2B call {method} action={action!r}")
