"""Actions Summary data for the page (issue 6): counts and rupees per group x action.

"Total tax" is the ITC at stake. One pure function folds rows the service has already
filtered, so the page's two tables (by document type, by match status) share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ims_compliance.core.actions import Action

TAX_FIELDS = ("igst", "cgst", "sgst", "cess")


@dataclass
class Cell:
	count: int = 0
	taxable_value: float = 0.0
	total_tax: float = 0.0

	def add(self, taxable_value: float, total_tax: float) -> None:
		self.count += 1
		self.taxable_value += taxable_value
		self.total_tax += total_tax

	def rounded(self) -> dict[str, float | int]:
		return {
			"count": self.count,
			"taxable_value": round(self.taxable_value, 2),
			"total_tax": round(self.total_tax, 2),
		}


@dataclass
class ActionSummary:
	"""group -> action -> Cell, plus totals per group and per action."""

	group_by: str
	cells: dict[str, dict[Action, Cell]] = field(default_factory=dict)

	def cell(self, group: str, action: Action) -> Cell:
		return self.cells.get(group, {}).get(action) or Cell()

	def group_total(self, group: str) -> Cell:
		total = Cell()
		for cell in self.cells.get(group, {}).values():
			total.count += cell.count
			total.taxable_value += cell.taxable_value
			total.total_tax += cell.total_tax
		return total

	def action_total(self, action: Action) -> Cell:
		total = Cell()
		for actions in self.cells.values():
			cell = actions.get(action)
			if cell:
				total.count += cell.count
				total.taxable_value += cell.taxable_value
				total.total_tax += cell.total_tax
		return total

	def as_rows(self) -> list[dict]:
		"""One dict per group, with `<action>_count`, `<action>_taxable_value`,
		`<action>_total_tax` keys (action codes a/r/p/n) and the group totals; JSON-ready."""
		rows = []
		for group in sorted(self.cells):
			row: dict[str, object] = {self.group_by: group}
			for action in Action:
				for key, value in self.cell(group, action).rounded().items():
					row[f"{action.code.lower()}_{key}"] = value
			row.update(self.group_total(group).rounded())
			rows.append(row)
		return rows


def summarise_actions(
	rows: Iterable[Mapping], *, group_by: str, action_field: str = "action"
) -> ActionSummary:
	"""Fold GST Inward Supply rows (dicts with the group field, the action, taxable_value and
	the tax heads, or a precomputed total_tax) into counts and amounts per group x action."""
	summary = ActionSummary(group_by=group_by)
	for row in rows:
		group = str(row.get(group_by) or "Not set")
		action = Action.parse(row.get(action_field) or Action.NO_ACTION)
		total_tax = row.get("total_tax")
		if total_tax is None:
			total_tax = sum(float(row.get(name) or 0) for name in TAX_FIELDS)
		summary.cells.setdefault(group, {}).setdefault(action, Cell()).add(
			float(row.get("taxable_value") or 0), float(total_tax)
		)
	return summary
