"""`python -m ims_compliance.gstn.sandbox --port 8765 --state sandbox.json [--encrypted]
[--seed-gstin 27AAPFU0939F1ZV --seed-records 1000]`: serve until interrupted; the state file
is written on changes and on exit, so records and statuses survive a restart."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from ims_compliance.gstn.sandbox.config import SANDBOX_OTP, SandboxConfig
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.gstn.sandbox.server import SandboxServer


def _stop(signum: int, frame: object) -> None:
	raise KeyboardInterrupt  # serve_forever unwinds and the state file is written on the way out


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(prog="python -m ims_compliance.gstn.sandbox", description=__doc__)
	parser.add_argument("--port", type=int, default=8765)
	parser.add_argument("--host", default="127.0.0.1")
	parser.add_argument("--state", required=True, help="JSON file holding records, statuses and requests")
	parser.add_argument(
		"--encrypted", action="store_true", help="require GSTN's payload protection (GSP mode)"
	)
	parser.add_argument("--token-ttl", type=float, default=6 * 3600, help="seconds an auth token lives")
	parser.add_argument(
		"--queue-threshold", type=int, default=5000, help="GETINV records before RTN_24 + FILEDET"
	)
	parser.add_argument(
		"--faults", default="{}", help='fault plan as JSON, e.g. \'{"seed": 1, "error_rate": 0.1}\''
	)
	parser.add_argument(
		"--gsp", choices=("plain", "vayana", "taxpro"), help="require this GSP's authentication before GSTN's"
	)
	parser.add_argument(
		"--gsp-credentials",
		default="{}",
		help='the GSP credentials as JSON, e.g. \'{"clientid": "c", "client-secret": "s"}\'',
	)
	parser.add_argument("--call-budget", type=int, help="API calls per session before HTTP 429")
	parser.add_argument("--max-sessions", type=int, help="live sessions per user before AUTH403")
	parser.add_argument("--seed-gstin", help="recipient GSTIN to generate records for at start")
	parser.add_argument("--seed-records", type=int, default=0)
	parser.add_argument("--seed", type=int, default=0)
	parser.add_argument("--verbose", action="store_true")
	args = parser.parse_args(argv)
	logging.basicConfig(
		level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
	)
	config = SandboxConfig(
		encrypted=args.encrypted,
		token_ttl=args.token_ttl,
		queue_threshold=args.queue_threshold,
		gsp=args.gsp,
		gsp_credentials=json.loads(args.gsp_credentials),
		call_budget=args.call_budget,
		max_sessions=args.max_sessions,
	)
	sandbox = SandboxServer(
		state_path=args.state,
		host=args.host,
		port=args.port,
		config=config,
		faults=FaultPlan.from_dict(json.loads(args.faults)),
	)
	if args.seed_gstin and args.seed_records:
		added = sandbox.state.generate(args.seed_gstin, args.seed_records, seed=args.seed)
		logging.info("generated %d records for %s", added, args.seed_gstin)
	signal.signal(signal.SIGTERM, _stop)
	print(f"GSTN IMS sandbox on {sandbox.url} (OTP {SANDBOX_OTP}, state {args.state})", flush=True)
	try:
		sandbox.serve_forever()
	except KeyboardInterrupt:
		pass
	return 0


if __name__ == "__main__":
	sys.exit(main())
