"""Bench commands of this app: `bench ims-sandbox` starts the built-in GSTN IMS sandbox;
`bench --site <site> ims-demo` sets up the one-command demo (services/demo/)."""

import time

import click

from frappe.commands import get_site, pass_context


@click.command("ims-sandbox")
@click.option("--port", default=8765, show_default=True, help="Port to listen on (127.0.0.1)")
@click.option(
	"--state",
	"state_path",
	default=None,
	help="State file (default: sites/ims-sandbox-<port>.json, the file ims-demo uses)",
)
@click.option("--encrypted", is_flag=True, help="Require GSTN's payload protection (GSP mode)")
@click.option("--seed-gstin", default=None, help="Generate records for this company GSTIN at start")
@click.option("--seed-records", default=0, type=int, help="How many records to generate")
def ims_sandbox(port, state_path, encrypted, seed_gstin, seed_records):
	"""Serve the GSTN IMS sandbox until Ctrl-C (its OTP is 575757; see docs/sandbox.md)."""
	from ims_compliance.gstn.sandbox.__main__ import main

	args = ["--port", str(port), "--state", state_path or f"ims-sandbox-{port}.json"]
	if encrypted:
		args.append("--encrypted")
	if seed_gstin and seed_records:
		args += ["--seed-gstin", seed_gstin, "--seed-records", str(seed_records)]
	main(args)


@click.command("ims-demo")
@click.option(
	"--size", default=300, type=click.IntRange(30), show_default=True, help="Purchase Invoices to book"
)
@click.option("--port", default=8765, show_default=True, help="Sandbox port on 127.0.0.1 (started if free)")
@click.option("--sandbox-url", default=None, help="Use this running sandbox instead (e.g. http://host:8765)")
@click.option("--supplier-edit", is_flag=True, help="A supplier edits its unfiled demo invoice (R9)")
@click.option("--remove", is_flag=True, help="Remove the demo data (and the sandbox's demo records)")
@pass_context
def ims_demo(context, size, port, sandbox_url, supplier_edit, remove):
	"""Demo company, 40 suppliers, last month's Purchase Invoices and the matching IMS records in
	the built-in GSTN sandbox (started if needed); safe to run again."""
	import frappe

	from ims_compliance.services import demo

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	started = time.monotonic()
	try:
		if remove:
			removed = demo.remove_demo(sandbox_url=sandbox_url, port=port, log=click.echo)
			click.echo("Removed: " + ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in removed.items()))
			if not removed["company"] and frappe.db.exists("Company", demo.DEMO_COMPANY):
				click.echo(f"{demo.DEMO_COMPANY} stays: ERPNext still holds records that name it.")
		elif supplier_edit:
			edit = demo.apply_supplier_edit(size=size, sandbox_url=sandbox_url, port=port)["edit"]
			click.echo(
				f"Supplier {edit['stin']} edited {edit['section']} {edit['number']}: {edit['changes']}. "
				"Download again: the record is marked changed by supplier and its action is void (R9)."
			)
		else:
			result = demo.setup_demo(size=size, sandbox_url=sandbox_url, port=port, log=click.echo)
			click.echo("\n".join(demo.describe(result)))
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(f"Done in {time.monotonic() - started:.1f} s")


commands = [ims_sandbox, ims_demo]
