"""GSTN's queued files (a GETINV answered with RTN_24 and fetched through FILEDET): what FILEDET
lists, and how one downloaded part becomes GSTN's records.

A part is a tar.gz whose SHA-256 (hex, over the downloaded bytes) is FILEDET's `hash`: bytes that
do not match are refused before anything is read from them. Inside the archive, each JSON file
holds b64(AES-256-ECB(b64decode(ek), b64(JSON))) under payload protection, plain JSON from the
unencrypted sandbox. Sources: India Compliance `taxpayer_base.py` FilesAPI (hash, untar, decrypt,
base64-decode); gsthelp.charteredinfo.com/ucl/gst_large_files_api.htm (FILEDET sample)."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import IntegrityError, ProtocolError

#: A part's archive may not expand past this (a tar bomb would otherwise fill memory).
MAX_MEMBER_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class FileList:
	"""FILEDET's answer: the parts (`ul`, `ic`, `hash` as GSTN gave them), and the key when
	the parts are encrypted."""

	items: list[dict]
	key: bytes | None

	@property
	def urls(self) -> list[str]:
		return [str(item["ul"]) for item in self.items]

	@property
	def hashes(self) -> list[str]:
		return [str(item.get("hash") or "").lower() for item in self.items]

	@classmethod
	def parse(cls, files: Mapping, *, code: str) -> FileList:
		urls = files.get("urls")
		if not isinstance(urls, list) or not all(isinstance(u, Mapping) and u.get("ul") for u in urls):
			raise ProtocolError(f"FILEDET for {code}: urls must be a list of {{ul, hash}}")
		return cls(
			items=[dict(u) for u in urls],
			key=crypto.unb64(files["ek"]) if files.get("ek") else None,
		)


def read_part(content: bytes, *, files: FileList, index: int, section_key: str) -> list:
	"""The records of one part (GSTN's dicts for `section_key`), after its hash is checked."""
	where = f"file part {index + 1}"
	if crypto.sha256_hex(content) != files.hashes[index]:
		raise IntegrityError(f"{section_key} {where}: SHA-256 does not match its hash")
	rows: list = []
	for text in _tar_members(content, where=where):
		payload = _open(text, files.key, where=where)
		value = payload.get(section_key) if isinstance(payload, Mapping) else None
		if value is not None and not isinstance(value, list):
			raise ProtocolError(f"{where}: {section_key} is not a list")
		rows.extend(value or [])
	return rows


def _open(text: bytes, key: bytes | None, *, where: str) -> Any:
	if key is not None:
		try:
			return crypto.open_file(key, text)
		except ProtocolError as exc:
			raise ProtocolError(f"{where}: {exc.message}") from None
	try:
		return json.loads(text)
	except (ValueError, RecursionError) as exc:
		raise ProtocolError(f"{where} holds a file that is not JSON: {exc}") from None


def _tar_members(content: bytes, *, where: str) -> list[bytes]:
	try:
		with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
			out = []
			for member in archive.getmembers():
				if not member.isfile():
					continue
				if member.size > MAX_MEMBER_BYTES:
					raise ProtocolError(f"{where}: {member.name} is larger than {MAX_MEMBER_BYTES} bytes")
				out.append(archive.extractfile(member).read())  # type: ignore[union-attr]
			return out
	except (tarfile.TarError, OSError, EOFError) as exc:
		raise ProtocolError(f"{where} is not a tar.gz: {exc}") from None


def build_part(payloads: list[Any], *, key: bytes | None, name: str = "part") -> bytes:
	"""A part as GSTN lays it out (tests and the offline tooling that play GSTN): a tar.gz of
	one file per payload, each b64(AES(key, b64(JSON))) when `key` is set."""
	buffer = io.BytesIO()
	with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
		for index, payload in enumerate(payloads):
			data = crypto.seal_file(key, payload) if key is not None else json.dumps(payload).encode()
			info = tarfile.TarInfo(f"{name}_{index}.json")
			info.size = len(data)
			archive.addfile(info, io.BytesIO(data))
	return buffer.getvalue()
