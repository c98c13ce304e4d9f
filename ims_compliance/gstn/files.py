"""GSTN's queued files (a GETINV answered with RTN_24 and fetched through FILEDET): what FILEDET
lists, and how one downloaded part becomes GSTN's records. A part is a tar.gz of JSON documents,
AES-encrypted with FILEDET's `ek` under payload protection, and its SHA-256 is in FILEDET's
`hash`; bytes that do not match are refused before anything is read from them."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import IntegrityError, ProtocolError


@dataclass(frozen=True)
class FileList:
	"""FILEDET's answer: the part URLs with their SHA-256, and the key when parts are encrypted."""

	urls: list[str]
	hashes: list[str]
	key: bytes | None

	@classmethod
	def parse(cls, files: Mapping, *, code: str) -> FileList:
		urls = files.get("urls")
		if not isinstance(urls, list) or not all(isinstance(u, Mapping) and u.get("ul") for u in urls):
			raise ProtocolError(f"FILEDET for {code}: urls must be a list of {{ul, hash}}")
		return cls(
			urls=[str(u["ul"]) for u in urls],
			hashes=[str(u.get("hash") or "").lower() for u in urls],
			key=crypto.unb64(files["ek"]) if files.get("ek") else None,
		)


def read_part(content: bytes, *, files: FileList, index: int, section_key: str) -> list:
	"""The records of one part (GSTN's dicts for `section_key`), after its hash is checked."""
	where = f"file part {index + 1}"
	if crypto.sha256_hex(content) != files.hashes[index]:
		raise IntegrityError(f"{section_key} {where}: SHA-256 does not match its hash")
	if files.key is not None:
		content = crypto.aes_decrypt(files.key, content)
	rows: list = []
	for payload in _tar_json(content, where=where):
		value = payload.get(section_key) if isinstance(payload, Mapping) else None
		if value is not None and not isinstance(value, list):
			raise ProtocolError(f"{where}: {section_key} is not a list")
		rows.extend(value or [])
	return rows


def _tar_json(content: bytes, *, where: str) -> list[Any]:
	try:
		with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
			return [
				json.loads(archive.extractfile(member).read())  # type: ignore[union-attr]
				for member in archive.getmembers()
				if member.isfile()
			]
	except (tarfile.TarError, OSError, ValueError, RecursionError) as exc:
		raise ProtocolError(f"{where} is not a tar.gz of JSON: {exc}") from None
