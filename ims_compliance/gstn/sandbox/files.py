"""Large GETINV results (RTN_24) as GSTN serves them: the records go to tar.gz parts kept in
memory, FILEDET answers {ek, fc, urls} once the file is ready, and each `ul` is a signed,
expiring link (IMS_DOMAIN.md "Wire rules", queued file part)."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
import threading
import time

from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox import wire
from ims_compliance.gstn.sandbox.config import SandboxConfig
from ims_compliance.gstn.sandbox.processing import Refusal

#: FILEDET's `ul`: a path without a host, shaped like GSTN's published sample (gsthelp.charteredinfo
#: .com/ucl/gst_large_files_api.htm: "/returns/16012021/R1/<id>/returns_16012021_R1_<gstin>_b2b_0
#: .tar.gz?md5=...&expires=..."), with IMS in place of R1 (assumed). The query string is a signed,
#: expiring link: a client must fetch `ul` exactly as given. Served under any prefix, so a GSP
#: profile that prepends its own files path works too.
FILE_LINK = re.compile(
	r"/returns/(?P<date>\d{8})/IMS/(?P<token>[0-9a-f]+)/returns_(?P=date)_IMS_[0-9A-Z]{15}_[a-z0-9]+_(?P<index>\d+)\.tar\.gz$"
)
#: The sandbox's older file path, still served: /files/<token>/<n> (and /sandbox/files/...).
FILE_PATH = re.compile(r"^(?:.*)?/files/(?P<token>[0-9a-f]+)/(?P<index>\d+)$")


class FileHandlers:
	"""Queued files, FILEDET and the file links; a part of `GstnApi`, which sets the attributes
	below."""

	config: SandboxConfig
	lock: threading.RLock
	files: dict[str, dict]
	_link_secret: bytes

	def _queue_file(self, gstin: str, key: str, rows: list[dict], base_url: str) -> dict:
		"""RTN_24: the result goes to tar.gz parts served later through FILEDET."""
		token = secrets.token_hex(12)
		ek = wire.new_key() if self.config.encrypted else None
		size = self.config.part_size
		parts = [
			wire.file_part({key: rows[start : start + size]}, name=f"{key}_{start // size + 1}.json", ek=ek)
			for start in range(0, len(rows), size)
		]
		with self.lock:
			now = time.time()
			for old in [t for t, file in self.files.items() if file["expires_at"] < now]:
				del self.files[old]  # a long-running sandbox must not keep every download's parts
			self.files[token] = {
				"gstin": gstin,
				"key": key,
				"parts": parts,
				"ek": ek,
				"counts": [min(size, len(rows) - i) for i in range(0, len(rows), size)],
				"ready_at": now + self.config.file_delay,
				"expires_at": now + self.config.file_delay + self.config.file_ttl,
			}
		# est: minutes, as text, like the published sample {"est":"30","token":"..."}
		return {"token": token, "est": str(max(1, math.ceil(self.config.file_delay / 60)))}

	def _filedet(self, gstin: str, token: str) -> dict:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["gstin"] != gstin or file["expires_at"] < time.time():
			raise Refusal(v.GEN5002, f"unknown or expired file token {token}")
		if time.time() < file["ready_at"]:
			# India Compliance treats RTN_24 on FILEDET as "queued, ask later" (ReturnsAPI)
			raise Refusal(v.RTN_24, "the file is still being generated; try again later", http_status=200)
		day = time.strftime("%d%m%Y", time.localtime(file["ready_at"]))
		expires = int(file["expires_at"])
		urls = []
		for i, (part, count) in enumerate(zip(file["parts"], file["counts"], strict=True)):
			path = f"/returns/{day}/IMS/{token}/returns_{day}_IMS_{gstin}_{file['key']}_{i}.tar.gz"
			ul = f"{path}?md5={self._link_signature(path, expires)}&expires={expires}"
			urls.append({"ul": ul, "ic": count, "hash": wire.sha256_hex(part)})
		answer: dict = {"urls": urls}
		if file["ek"]:
			answer["ek"] = wire.b64e(file["ek"])
		answer["fc"] = len(urls)
		return answer

	def _link_signature(self, path: str, expires: int) -> str:
		digest = hashlib.md5(f"{expires}{path} ".encode() + self._link_secret).digest()
		return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

	def file_link(self, path: str, query: dict[str, str]) -> tuple[int, bytes | None]:
		"""A FILEDET `ul` fetched: (200, bytes), or (403, None) for a link whose signature or
		expiry is missing or wrong, or (404, None) for an unknown part."""
		match = FILE_LINK.search(path)
		if not match:
			return 404, None
		link = path[match.start() :]
		try:
			expires = int(query.get("expires", ""))
		except ValueError:
			return 403, None
		signature = self._link_signature(link, expires)
		if expires < time.time() or not secrets.compare_digest(signature, query.get("md5", "")):
			return 403, None
		part = self.file_part(match["token"], int(match["index"]))
		return (200, part) if part is not None else (404, None)

	def file_part(self, token: str, index: int) -> bytes | None:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["expires_at"] < time.time() or not 0 <= index < len(file["parts"]):
			return None
		return file["parts"][index]
