# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt
"""Our inward supply under the name "IMS GST Inward Supply", used on sites where another app
(India Compliance) owns "GST Inward Supply" (issue 16). Frappe imports a standard DocType's
controller from `<module>/doctype/<scrubbed name>/`, so this name needs a module of its own; it
adds nothing to the one controller (`gst_inward_supply`). The DocType itself is created from
`gst_inward_supply/definition.json` by `ims_compliance.supply_definition`."""

from ims_compliance.ims_compliance.doctype.gst_inward_supply.gst_inward_supply import (
	GSTInwardSupply,
	on_doctype_update,
)

__all__ = ["IMSGSTInwardSupply", "on_doctype_update"]


class IMSGSTInwardSupply(GSTInwardSupply):
	pass
