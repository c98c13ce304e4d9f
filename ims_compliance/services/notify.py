"""Notification Log entries for IMS jobs: the user who started a job, or the Accounts Managers
when the scheduler did."""

from __future__ import annotations

import frappe


def accounts_managers() -> list[str]:
	users = frappe.get_all(
		"Has Role",
		filters={"role": "Accounts Manager", "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	enabled = (
		frappe.get_all("User", filters={"name": ("in", users), "enabled": 1}, pluck="name") if users else []
	)
	return [u for u in enabled if u not in ("Administrator", "Guest")] or ["Administrator"]


def notify(
	users: list[str], subject: str, message: str = "", *, reference: tuple[str, str] | None = None
) -> None:
	# subjects and messages are plain text that may quote GSTN or a supplier: shown as text
	subject = frappe.utils.escape_html(subject)
	message = frappe.utils.escape_html(message).replace("\n", "<br>")
	for user in dict.fromkeys(users):
		doc = frappe.new_doc("Notification Log")
		doc.update(
			{
				"subject": subject,
				"email_content": message,
				"for_user": user,
				"type": "Alert",
				"document_type": reference[0] if reference else None,
				"document_name": reference[1] if reference else None,
			}
		)
		doc.insert(ignore_permissions=True)
