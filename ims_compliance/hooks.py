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

doc_events = {
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
