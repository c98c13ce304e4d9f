"""The IMS action vocabulary: GSTN's one-letter codes and the words users see."""

from __future__ import annotations

from enum import Enum

from ims_compliance.core.errors import IMSValidationError


class Action(str, Enum):
	"""An IMS action. The value is the word stored in the database and shown to users."""

	ACCEPTED = "Accepted"
	REJECTED = "Rejected"
	PENDING = "Pending"
	NO_ACTION = "No Action"

	@property
	def code(self) -> str:
		return _TO_CODE[self]

	@classmethod
	def from_code(cls, code: str) -> Action:
		try:
			return _FROM_CODE[str(code).strip().upper()]
		except KeyError:
			raise IMSValidationError(f"unknown IMS action code {code!r}; expected A, R, P or N") from None

	@classmethod
	def parse(cls, value: object) -> Action:
		"""Accept a code (A/R/P/N), a word in any case (accept, Accepted, no action, noaction)."""
		if isinstance(value, Action):
			return value
		exact = _EXACT.get(value) if isinstance(value, str) else None
		if exact is not None:  # the stored labels and codes: no normalising (100k rows an upload)
			return exact
		text = " ".join(str(value or "").replace("_", " ").split()).lower()
		if text in _WORDS:
			return _WORDS[text]
		raise IMSValidationError(
			f"unknown IMS action {value!r}; use Accepted, Rejected, Pending or No Action (or A/R/P/N)"
		)


_TO_CODE = {Action.ACCEPTED: "A", Action.REJECTED: "R", Action.PENDING: "P", Action.NO_ACTION: "N"}
_FROM_CODE = {code: action for action, code in _TO_CODE.items()}
_WORDS: dict[str, Action] = {}
for _action, _code in _TO_CODE.items():
	for _word in (_code, _action.value, _action.value.replace(" ", "")):
		_WORDS[_word.lower()] = _action
_WORDS.update({"accept": Action.ACCEPTED, "reject": Action.REJECTED, "keep pending": Action.PENDING})
_WORDS.update({"none": Action.NO_ACTION, "reset": Action.NO_ACTION})

_EXACT: dict[str, Action] = {**{a.value: a for a in Action}, **_FROM_CODE}

ACTION_LABELS: tuple[str, ...] = tuple(a.value for a in Action)
