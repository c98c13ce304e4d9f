"""The sandbox's HTTP shell (stdlib `http.server`, threaded, keep-alive) and its supplier
controls under /sandbox/... , plus `SandboxServer`, which runs it in a background thread so
tests and benchmarks can start one on a free port:

    with SandboxServer(state_path=tmp / "sandbox.json", port=0) as sb:
        sb.state.generate("27AAPFU0939F1ZV", 1000, seed=1)
        client = GstnClient(ConnectionSettings(base_url=sb.url, ...))
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from ims_compliance.gstn.sandbox import faults as f
from ims_compliance.gstn.sandbox.api import GstnApi
from ims_compliance.gstn.sandbox.config import SandboxConfig
from ims_compliance.gstn.sandbox.files import FILE_LINK, FILE_PATH
from ims_compliance.gstn.sandbox.state import SandboxState

log = logging.getLogger("ims_compliance.gstn.sandbox")
CONTROL_PREFIX = "/sandbox/"
_READ_LIMIT = 64 * 1024 * 1024  # refuse to buffer absurd bodies; 4 MB checks happen in the API


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	server: _Server

	def log_message(self, format: str, *args: object) -> None:
		log.debug("%s " + format, self.address_string(), *args)

	def do_GET(self) -> None:
		self._handle("GET")

	def do_POST(self) -> None:
		self._handle("POST")

	def do_PUT(self) -> None:
		self._handle("PUT")

	def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(payload)))
		self.end_headers()
		self.wfile.write(payload)

	def _send_json(self, status: int, data: object) -> None:
		self._send(status, json.dumps(data, separators=(",", ":")).encode())

	def _handle(self, method: str) -> None:
		sandbox = self.server.sandbox
		url = urlsplit(self.path)
		try:
			length = int(self.headers.get("Content-Length") or 0)
		except ValueError:
			length = -1
		if not 0 <= length <= _READ_LIMIT:
			self.close_connection = True
			self._send_json(
				413, {"status_cd": "0", "error": {"error_cd": "IMSSAV0016", "message": "body too large"}}
			)
			return
		body = self.rfile.read(length) if length else b""
		query = dict(parse_qsl(url.query))
		try:
			if url.path.startswith(CONTROL_PREFIX):
				self._control(method, url.path[len(CONTROL_PREFIX) :], query, body)
				return
			if method == "GET" and FILE_LINK.search(url.path):
				# a FILEDET `ul`: fetched without GSTN's headers, as GSTN's signed file links are
				status, content = sandbox.api.file_link(url.path, query)
				if content is None:
					self._send_json(status, {"error": "no such file part, or the link is expired or altered"})
				else:
					self._send(200, content, "application/octet-stream")
				return
			part = FILE_PATH.match(url.path) if method == "GET" else None
			if part:
				self._send_part(part["token"], int(part["index"]))
				return
			fault = sandbox.faults.draw()
			plan = sandbox.faults.plan
			if plan.latency:
				time.sleep(plan.latency)
			if fault == f.DROP:
				self.close_connection = True
				self.connection.shutdown(socket.SHUT_RDWR)
				return
			if fault == f.TIMEOUT:
				time.sleep(plan.timeout_seconds)
			if fault in (f.ERROR_500, f.ERROR_503):
				message = "sandbox fault: service unavailable"
				self._send_json(
					int(fault), {"status_cd": "0", "error": {"error_cd": "SYS" + fault, "message": message}}
				)
				return
			headers = {k.lower(): v for k, v in self.headers.items()}
			status, answer = sandbox.api.handle(
				method, url.path, query, headers, body, sandbox.public_url(self)
			)
			self._send_json(status, answer)
		except (BrokenPipeError, ConnectionResetError):
			self.close_connection = True  # the client gave up (a timeout fault did its job)
		except Exception as exc:
			# A sandbox bug must reach the client as GSTN's 500 envelope, not as a dropped
			# connection the client would mistake for a network fault.
			log.exception("sandbox failed on %s %s", method, self.path)
			self.close_connection = True
			self._send_json(
				500, {"status_cd": "0", "error": {"error_cd": "SYS500", "message": f"sandbox error: {exc}"}}
			)

	def _send_part(self, token: str, index: int) -> None:
		part = self.server.sandbox.api.file_part(token, index)
		if part is None:
			self._send_json(404, {"error": "no such file part"})
		else:
			self._send(200, part, "application/octet-stream")

	def _control(self, method: str, name: str, query: dict, body: bytes) -> None:
		"""Supplier-side controls and test knobs, so another process can drive the sandbox."""
		sandbox = self.server.sandbox
		state = sandbox.state
		if method == "GET" and name.startswith("files/"):
			_, token, index = [*name.split("/"), "", ""][:3]
			self._send_part(token, int(index) if index.isdigit() else -1)
			return
		if method == "GET" and name in ("public-key", "certificate"):
			# GSTN publishes its key as an X.509 certificate (PEM); the old path serves it too
			self._send(200, sandbox.api.public_key, "application/x-pem-file")
			return
		if method == "GET" and name == "records":
			self._send_json(200, state.section_records(query["gstin"], query["section"]))
			return
		try:
			args = json.loads(body or b"{}")
			result = sandbox.control(name, args)
		except (KeyError, ValueError, TypeError) as exc:
			self._send_json(400, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
			return
		self._send_json(200, {"ok": True, "result": result})


class _Server(ThreadingHTTPServer):
	daemon_threads = True
	allow_reuse_address = True
	sandbox: SandboxServer


class SandboxServer:
	"""The sandbox, in-process: `start()` serves in a background thread (port 0 = a free port)
	and flushes the state file every `flush_interval` seconds when something changed."""

	def __init__(
		self,
		*,
		state_path: str | Path | None = None,
		host: str = "127.0.0.1",
		port: int = 0,
		config: SandboxConfig | None = None,
		faults: f.FaultPlan | None = None,
		flush_interval: float = 1.0,
	):
		self.state = SandboxState(state_path)
		self.config = config or SandboxConfig()
		self.faults = f.FaultInjector(faults)
		self.api = GstnApi(self.state, self.config, self.faults)
		self.flush_interval = flush_interval
		self._httpd = _Server((host, port), _Handler)
		self._httpd.sandbox = self
		self._stop = threading.Event()
		self._threads: list[threading.Thread] = []

	@property
	def host(self) -> str:
		return self._httpd.server_address[0]

	@property
	def port(self) -> int:
		return self._httpd.server_address[1]

	@property
	def url(self) -> str:
		return f"http://{self.host}:{self.port}"

	@property
	def certificate_pem(self) -> str:
		"""GSTN's public key as GSTN publishes it: an X.509 certificate (PEM), encrypted mode."""
		return self.api.certificate_pem

	@property
	def public_key_pem(self) -> str:
		"""Kept for callers of the old name: the certificate, as /sandbox/public-key serves it."""
		return self.api.certificate_pem

	def public_url(self, handler: BaseHTTPRequestHandler) -> str:
		host = handler.headers.get("Host")
		return f"http://{host}" if host else self.url

	def set_faults(self, plan: f.FaultPlan) -> None:
		self.faults.set(plan)

	def control(self, name: str, args: dict) -> object:
		"""The supplier controls, by name, as POST /sandbox/<name> exposes them."""
		state = self.state
		where = {k: args[k] for k in ("stin", "number", "date") if k in args}
		actions = {
			"records": lambda: state.add_records(args["gstin"], args["records"]),
			"generate": lambda: state.generate(
				args["gstin"],
				int(args["n"]),
				seed=int(args.get("seed", 0)),
				period=args.get("period", "102025"),
			),
			"edit": lambda: state.edit(args["gstin"], args["section"], changes=args["changes"], **where),
			"file": lambda: state.file(args["gstin"], args["section"], **where),
			"remove": lambda: state.remove(args["gstin"], args["section"], **where),
			"refuse": lambda: state.refuse(
				args["gstin"], args["section"], code=args["code"], message=args["message"], **where
			),
			# records saved/reset and stale sends; with {"calls": true} also the API calls served
			# per endpoint and action (what a GSP bills)
			"stats": lambda: (
				{**state.stats, "calls": dict(self.api.calls)} if args.get("calls") else dict(state.stats)
			),
			"calls": lambda: dict(self.api.calls),
			"gsp-session": lambda: self.api.gsp.new_session(str(args.get("aspid", ""))),
			"faults": lambda: self.set_faults(f.FaultPlan.from_dict(args)),
			"expire-sessions": self.api.expire_sessions,
			"clear": state.clear,
			"flush": state.flush,
		}
		if name not in actions:
			raise KeyError(f"unknown sandbox control {name!r}")
		return actions[name]()

	def start(self) -> SandboxServer:
		serve = threading.Thread(
			# a short poll: stop() waits for it, and tests start and stop a sandbox each
			target=lambda: self._httpd.serve_forever(poll_interval=0.05),
			name="gstn-sandbox",
			daemon=True,
		)
		flusher = threading.Thread(target=self._flush_loop, name="gstn-sandbox-flush", daemon=True)
		self._threads = [serve, flusher]
		for thread in self._threads:
			thread.start()
		return self

	def _flush_loop(self) -> None:
		while not self._stop.wait(self.flush_interval):
			try:
				self.state.flush()
			except OSError:
				log.exception("sandbox state could not be written")

	def serve_forever(self) -> None:
		"""Foreground serving for `python -m ims_compliance.gstn.sandbox`."""
		flusher = threading.Thread(target=self._flush_loop, name="gstn-sandbox-flush", daemon=True)
		flusher.start()
		try:
			self._httpd.serve_forever()
		finally:
			self._stop.set()
			self.state.flush()

	def stop(self) -> None:
		self._stop.set()
		self._httpd.shutdown()
		self._httpd.server_close()
		for thread in self._threads:
			thread.join(timeout=5)
		self.state.flush()

	def __enter__(self) -> SandboxServer:
		return self.start()

	def __exit__(self, *exc: object) -> None:
		self.stop()
