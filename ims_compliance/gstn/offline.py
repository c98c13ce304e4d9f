"""The GST portal's offline IMS files (R11), for users with no API access.

Import: the JSON the portal's IMS download / offline tool gives, with GETINV's record keys in
every section, goes through the same parser as an API download (`protocol.parse_section`), so a
file is accepted whole or refused naming section, index and key.
Export: the actions as the JSON the offline tool uploads: SAVE records with `action` and
`prev_status`. Unlike an API SAVE, the tool's upload may carry N (the portal resets those), so
only R4 and R5 are checked here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.records import InwardRecord
from ims_compliance.core.sections import SECTIONS
from ims_compliance.gstn.payloads import SAVE_REQUEST, ActionUpdate, check_update, chunk_bodies
from ims_compliance.gstn.protocol import Warn, parse_sections

#: The offline tool's upload limit is not published; one file per 4 MB like the API (verify).
MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class OfflineFile:
	gstin: str | None
	period: str | None
	records: dict[str, list[InwardRecord]]

	@property
	def count(self) -> int:
		return sum(len(v) for v in self.records.values())


def _metadata(data: Mapping, key: str) -> str | None:
	value = data.get(key)
	return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None


def import_portal_json(content: bytes | str | Mapping, *, on_warning: Warn | None = None) -> OfflineFile:
	"""Records of a portal IMS JSON file. The sections may sit at the top level or under
	`data` / `invdata`; `gstin`/`rtin` and `rtnprd`/`fp` are read when present."""
	if isinstance(content, bytes | str):
		try:
			data = json.loads(content)
		except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
			raise IMSValidationError(f"the file is not valid JSON ({exc})", location="file") from None
	else:
		data = content
	if not isinstance(data, Mapping):
		raise IMSValidationError("the file must hold a JSON object", location="file")
	body = data
	for key in ("data", "invdata"):
		if isinstance(body.get(key), Mapping):
			body = body[key]
	gstin = _metadata(data, "gstin") or _metadata(data, "rtin") or _metadata(body, "rtin")
	if gstin is not None:
		gstin = check_gstin(gstin, field="gstin", location="file").gstin
	period = _metadata(data, "rtnprd") or _metadata(data, "fp")
	if period is not None:
		period = str(ReturnPeriod.parse(period, field="rtnprd", location="file"))
	records = parse_sections(body, on_warning=on_warning)
	if not records:
		raise IMSValidationError("the file holds no IMS section (b2b, b2bcn, ...)", location="file")
	return OfflineFile(gstin=gstin, period=period, records=records)


def export_actions(
	gstin: str, updates: Iterable[ActionUpdate], *, max_bytes: int = MAX_FILE_BYTES
) -> list[dict]:
	"""Upload files for the offline tool: `{rtin, reqtyp, invdata}` per file, each under max_bytes."""
	gstin = check_gstin(gstin, field="rtin").gstin
	items = []
	for index, update in enumerate(updates):
		key = SECTIONS[update.record.section].key
		if update.action is not Action.NO_ACTION:
			check_update(update, location=f"{key} update {index}")
		items.append((key, update.to_payload()))
	return [body["data"] for body in chunk_bodies(gstin, SAVE_REQUEST, items, max_bytes)]


def export_actions_json(gstin: str, updates: Iterable[ActionUpdate]) -> str:
	"""One upload file as text; raises when the actions need more than one file."""
	files = export_actions(gstin, updates)
	if len(files) != 1:
		raise IMSValidationError(f"the actions need {len(files)} files; use export_actions")
	return json.dumps(files[0], ensure_ascii=False, separators=(",", ":"))
