"""Files larger than ``atf.limits.MAX_UPLOAD_BYTES`` refused while they arrive, never written to disk.

Django's own handlers keep a small upload in memory and write a larger one
to a temporary file as it arrives. This handler goes first
(``FILE_UPLOAD_HANDLERS``). A request body within the limit passes straight
on to them. A larger body takes every file itself: each is kept in memory
while the request's files together stay within the limit, and past it only
counted, its bytes dropped as they come. A file past the limit reaches the
form as a ``RefusedUpload``: no content, the size it really had, and
``refused`` set, which ``stocktake.uploads`` and the minutes form answer
with ``atf.limits.upload_too_large`` beside the file field.

The rest of the request is still read (and dropped), so that the browser
gets the page with the message rather than a reset connection, and the
form's other fields (the CSRF token among them) arrive as usual.
"""

from __future__ import annotations

import io

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

from . import limits


class RefusedUpload(UploadedFile):
    """A file too large to keep: its name and size only."""

    refused = True

    def __init__(self, name, size, content_type=None, charset=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limited = False
        self.kept = 0  # bytes of this request's files held in memory
        self.buffer: io.BytesIO | None = None
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limited = content_length > limits.MAX_UPLOAD_BYTES
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.limited:
            self.buffer, self.received = io.BytesIO(), 0
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data, start):
        if not self.limited:
            return raw_data
        self.received += len(raw_data)
        if self.buffer is not None:
            if self.kept + len(raw_data) > limits.MAX_UPLOAD_BYTES:
                self.kept -= self.buffer.tell()
                self.buffer = None
            else:
                self.buffer.write(raw_data)
                self.kept += len(raw_data)
        return None

    def file_complete(self, file_size):
        if not self.limited:
            return None
        if self.buffer is None:
            return RefusedUpload(self.file_name, self.received, self.content_type, self.charset)
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer,
            self.field_name,
            self.file_name,
            self.content_type,
            self.received,
            self.charset,
            self.content_type_extra,
        )


def refused(uploaded_file) -> bool:
    """Whether ``uploaded_file`` is past the upload limit (refused as it arrived, or found so by its size)."""
    return getattr(uploaded_file, "refused", False) or (uploaded_file.size or 0) > limits.MAX_UPLOAD_BYTES
