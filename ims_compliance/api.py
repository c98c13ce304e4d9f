"""Whitelisted methods the page calls. Thin: check permission, delegate to services."""

from __future__ import annotations

import frappe

from ims_compliance.services import queries

DOCTYPE = "GST Inward Supply"


def _can_read():
	frappe.has_permission(DOCTYPE, "read", throw=True)


@frappe.whitelist()
def get_document_view(
	filters: dict | str | None = None,
	start: int = 0,
	page_length: int = 50,
	sort_by: str | None = None,
	sort_order: str | None = None,
) -> dict:
	_can_read()
	return queries.document_view(
		filters, start=start, page_length=page_length, sort_by=sort_by, sort_order=sort_order
	)


@frappe.whitelist()
def get_match_summary(filters: dict | str | None = None) -> list[dict]:
	_can_read()
	return queries.match_summary(filters)


@frappe.whitelist()
def get_actions_summary(filters: dict | str | None = None) -> dict:
	_can_read()
	return queries.actions_summary(filters)


@frappe.whitelist()
def get_action_totals(filters: dict | str | None = None) -> list[dict]:
	_can_read()
	return queries.action_totals(filters)
