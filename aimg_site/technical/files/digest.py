"""sha256 of bytes at hand, computed on a second thread while this one decodes them.

Resizing a stored image must check its checksum (a damaged source never becomes a rendition),
but hashing a few megabytes costs about as much as a twentieth of decoding them. ``hashlib``
and Pillow's decoders both release the GIL on large buffers, so the two run side by side: the
source is read once, and its digest is ready when the decode ends. Small buffers are hashed at
once (a thread costs more than they do).
"""

from __future__ import annotations

import hashlib
import threading

#: Below this, hashing inline is cheaper than starting a thread.
THREAD_MIN_BYTES = 256 * 1024


class Sha256InBackground:
    """``Sha256InBackground(data).hexdigest()``: the sha256 of ``data``, hashed meanwhile."""

    def __init__(self, data: bytes | memoryview):
        self._hasher = hashlib.sha256()
        self._thread: threading.Thread | None = None
        if len(data) < THREAD_MIN_BYTES:
            self._hasher.update(data)
        else:
            self._thread = threading.Thread(
                target=self._hasher.update, args=(data,), name="aimg-sha256", daemon=True
            )
            self._thread.start()

    def hexdigest(self) -> str:
        """The digest (waits for the hashing thread to end)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self._hasher.hexdigest()

    def matches(self, checksum: str) -> bool:
        return self.hexdigest() == checksum
