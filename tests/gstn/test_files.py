"""GSTN's queued-file parts: the hash is checked before anything is read, encrypted parts open
with FILEDET's `ek`, and anything that is not a tar.gz of JSON lists is a typed error."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import IntegrityError, ProtocolError
from ims_compliance.gstn.files import FileList, read_part


def tar_of(*documents: object) -> bytes:
	buffer = io.BytesIO()
	with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
		for index, document in enumerate(documents):
			data = json.dumps(document).encode()
			info = tarfile.TarInfo(f"part_{index}.json")
			info.size = len(data)
			archive.addfile(info, io.BytesIO(data))
	return buffer.getvalue()


def listing(*parts: bytes, key: bytes | None = None) -> FileList:
	urls = [{"ul": f"http://x/{i}", "hash": crypto.sha256_hex(part)} for i, part in enumerate(parts)]
	return FileList.parse({"urls": urls, **({"ek": crypto.b64(key)} if key else {})}, code="B2B")


def test_a_part_yields_the_sections_records_from_every_document_in_it():
	part = tar_of({"b2b": [{"inum": "1"}]}, {"b2b": [{"inum": "2"}], "gstin": "x"}, {"other": []})
	assert read_part(part, files=listing(part), index=0, section_key="b2b") == [{"inum": "1"}, {"inum": "2"}]


def test_an_encrypted_part_is_a_tar_of_files_sealed_with_ek_and_its_hash_is_of_the_download():
	"""GSTN's layout: hash over the downloaded tar.gz; inside, b64(AES(ek, b64(JSON)))."""
	key = crypto.new_key()
	payload = {"b2bcn": [{"nt_num": "9"}]}
	sealed = crypto.b64(crypto.aes_encrypt(key, crypto.b64(json.dumps(payload).encode()).encode()))
	buffer = io.BytesIO()
	with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
		info = tarfile.TarInfo("returns_b2bcn_0.json")
		info.size = len(sealed)
		archive.addfile(info, io.BytesIO(sealed.encode()))
	part = buffer.getvalue()
	assert read_part(part, files=listing(part, key=key), index=0, section_key="b2bcn") == [{"nt_num": "9"}]
	# the whole archive encrypted (the old, wrong layout) is not GSTN's: refused, not misread
	wrong = crypto.aes_encrypt(key, tar_of(payload))
	with pytest.raises(ProtocolError):
		read_part(wrong, files=listing(wrong, key=key), index=0, section_key="b2bcn")


def test_bytes_that_do_not_match_the_hash_are_refused_before_reading():
	part = tar_of({"b2b": []})
	with pytest.raises(IntegrityError, match="SHA-256"):
		read_part(part + b"x", files=listing(part), index=0, section_key="b2b")


@pytest.mark.parametrize("content", [b"not a tar", tar_of({"b2b": {"inum": "1"}})])
def test_a_part_that_is_not_a_tar_of_json_lists_is_a_protocol_error(content):
	with pytest.raises(ProtocolError):
		read_part(content, files=listing(content), index=0, section_key="b2b")


@pytest.mark.parametrize("files", [{"urls": "x"}, {"urls": [{"hash": "h"}]}, {"urls": [None]}])
def test_a_filedet_answer_without_part_urls_is_a_protocol_error(files):
	with pytest.raises(ProtocolError):
		FileList.parse(files, code="B2B")
