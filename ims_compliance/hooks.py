app_name = "ims_compliance"
app_title = "IMS Compliance"
app_publisher = "ims_compliance developers"
app_description = "GST Invoice Management System (IMS) for ERPNext: download, reconcile, act, upload"
app_email = "dev@ims-compliance.invalid"
app_license = "mit"
required_apps = ["erpnext"]

export_python_type_annotations = True

after_install = "ims_compliance.install.after_install"
after_migrate = "ims_compliance.install.after_migrate"
before_uninstall = "ims_compliance.uninstall.before_uninstall"
# Other apps coming and going (India Compliance ships its own "GST Inward Supply"): issue 16
before_app_install = "ims_compliance.install.before_app_install"
after_app_uninstall = "ims_compliance.install.after_app_uninstall"

# Our supply DocType is "IMS GST Inward Supply" where another app owns "GST Inward Supply"
# (ims_compliance.supply_definition): the same form script serves both names.
doctype_js = {"IMS GST Inward Supply": "ims_compliance/doctype/gst_inward_supply/gst_inward_supply.js"}
boot_session = "ims_compliance.doctype_names.add_to_boot"

doc_events = {
	"DocType": {
		# developer mode: a desk edit of our supply DocType goes into its definition file
		"on_update": "ims_compliance.supply_definition.keep_export_out_of_sync",
	},
	"Purchase Invoice": {
		"validate": "ims_compliance.overrides.purchase_invoice.validate",
		"on_submit": "ims_compliance.overrides.purchase_invoice.on_submit",
		"on_cancel": "ims_compliance.overrides.purchase_invoice.on_cancel",
	},
}

scheduler_events = {
	"cron": {
		"*/5 * * * *": [
			"ims_compliance.services.schedule.enqueue_scheduled_downloads",
			"ims_compliance.services.upload.resume_open_requests",
		],
	},
}

before_tests = "ims_compliance.tests.fixtures.before_tests"

# A GSTN session costs the user an OTP: `bench clear-cache` and every migrate must not end it.
persistent_cache_keys = ["ims_gstn_session::*", "ims_gstn_counts::*", "ims_gstn_full_download::*"]
