// The form script of our inward supply is gst_inward_supply/gst_inward_supply.js under either
// name (hooks.doctype_js loads it for "IMS GST Inward Supply"). This file only keeps Frappe
// from generating a boilerplate one here in developer mode.
