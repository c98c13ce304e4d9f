"""Excel bulk actions and exports (issue 6), one import point for the services.

Writing lives in `excel_template`, reading in `excel_import`; this module only gathers their
public names so callers need not know the split.
"""

from __future__ import annotations

from ims_compliance.core.excel_import import (
	ActionRow,
	ImportParse,
	RowError,
	match_columns,
	parse_date,
	parse_section,
	read_action_rows,
)
from ims_compliance.core.excel_template import (
	ERROR_COLUMNS,
	TEMPLATE_COLUMNS,
	Column,
	write_action_template,
	write_error_workbook,
	write_export,
)

__all__ = [
	"ERROR_COLUMNS",
	"TEMPLATE_COLUMNS",
	"ActionRow",
	"Column",
	"ImportParse",
	"RowError",
	"match_columns",
	"parse_date",
	"parse_section",
	"read_action_rows",
	"write_action_template",
	"write_error_workbook",
	"write_export",
]
