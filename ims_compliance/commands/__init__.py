"""Bench commands of this app: `bench ims-sandbox` starts the built-in GSTN IMS sandbox."""

import click


@click.command("ims-sandbox")
@click.option("--port", default=8765, show_default=True, help="Port to listen on (127.0.0.1)")
@click.option("--state", "state_path", default=None, help="State file (default: sites/ims-sandbox.json)")
@click.option("--encrypted", is_flag=True, help="Require GSTN's payload protection (GSP mode)")
@click.option("--seed-gstin", default=None, help="Generate records for this company GSTIN at start")
@click.option("--seed-records", default=0, type=int, help="How many records to generate")
def ims_sandbox(port, state_path, encrypted, seed_gstin, seed_records):
	"""Serve the GSTN IMS sandbox until Ctrl-C (its OTP is 575757; see docs/sandbox.md)."""
	from ims_compliance.gstn.sandbox.__main__ import main

	args = ["--port", str(port), "--state", state_path or "ims-sandbox.json"]
	if encrypted:
		args.append("--encrypted")
	if seed_gstin and seed_records:
		args += ["--seed-gstin", seed_gstin, "--seed-records", str(seed_records)]
	main(args)


commands = [ims_sandbox]
