"""The upload handler of ``uploadFile``: streams the file to a temporary file on disk.

Django's ``TemporaryFileUploadHandler`` writes each chunk to disk as it arrives, so no file is
held in memory; this subclass also computes the sha256, counts the bytes (a 413 past
``AIMG_MAX_FILE_BYTES``, before the rest is read), keeps the first bytes for MIME sniffing, and
accepts one file per request.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from aimg_site.api.exceptions import InvalidParameter, PayloadTooLarge

#: How many leading bytes MIME sniffing looks at.
SNIFF_BYTES = 8192


class HashingUploadHandler(TemporaryFileUploadHandler):
    """One file, to disk, with its sha256, size and first bytes (``file.sha256``, ``file.head``)."""

    chunk_size = 256 * 1024

    def __init__(self, request=None):
        super().__init__(request)
        self.max_bytes = settings.AIMG_MAX_FILE_BYTES
        self.files_seen = 0

    def new_file(self, field_name, *args, **kwargs):
        self.files_seen += 1
        if self.files_seen > 1:
            raise InvalidParameter(field_name, "must be the only file of the request")
        super().new_file(field_name, *args, **kwargs)
        self.hasher = hashlib.sha256()
        self.head = b""
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.file.close()
            raise PayloadTooLarge(f"The file is too large: at most {self.max_bytes} bytes are accepted.")
        self.hasher.update(raw_data)
        if len(self.head) < SNIFF_BYTES:
            self.head += raw_data[: SNIFF_BYTES - len(self.head)]
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.hasher.hexdigest()  # type: ignore[attr-defined]
        uploaded.head = self.head  # type: ignore[attr-defined]
        return uploaded
