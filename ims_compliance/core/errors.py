"""Error types shared by the pure core.

They carry *where* the problem is (section, record index, row, field) so that the Frappe
layer can show a message naming the record and field, as the project requires for bad input.
"""

from __future__ import annotations


class IMSValidationError(ValueError):
	"""Bad input. `location` says where (e.g. ``b2b[3]`` or ``row 12``), `field` which key."""

	def __init__(self, message: str, *, location: str | None = None, field: str | None = None):
		self.message = message
		self.location = location
		self.field = field
		parts = [p for p in (location, field and f"field '{field}'") if p]
		super().__init__(f"{': '.join([', '.join(parts), message]) if parts else message}")
