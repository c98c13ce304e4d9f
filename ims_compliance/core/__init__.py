"""Pure domain logic for IMS. Nothing in this package may import frappe (guarded by a test)."""
