"""IMS Action Log rows written before the log carried its record's document number, supplier
and GSTINs get them from their inward supply, so the list shows more than hash ids."""

from ims_compliance.services.action_log import copy_record_fields


def execute():
	copy_record_fields(None)
