"""An extraction worker process: reads pages from stdin, writes readings to stdout.

Started by :mod:`spiders.offload` (``python -m spiders.extract_worker``). It imports the
extraction library only, never Scrapy or Twisted, so it starts in a fraction of a second.

Both directions carry frames: a 4-byte big-endian length, then a pickle. Requests are

* ``("hints", key, ExtractionHints)``: remember these hints under ``key`` (sent once for
  each distinct set, so a page's frame does not carry them again);
* ``("read", request_id, key, url, body)``: read one page with the hints of ``key``;

and each ``read`` is answered by ``(request_id, ExtractedProduct | None, seconds, error)``
in the order received. The reading's candidate list is dropped before it goes back (the
pipeline does not store it), which keeps the return trip small. End of input ends the
process. Both ends trust each other: they are the same program, over a private pipe.
"""

from __future__ import annotations

import pickle
import struct
import sys
import time
from typing import IO, Any

HEADER = struct.Struct(">I")
"""Frame header: payload length in bytes."""


def frame(message: Any) -> bytes:
    """One message as a frame: length header and pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def read_frame(stream: IO[bytes]) -> Any | None:
    """The next message from a blocking stream; None at end of input."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return pickle.loads(payload)


def serve(source: IO[bytes], sink: IO[bytes]) -> int:
    """Answer read requests until the input ends; returns the number of pages read."""
    from spiders.extraction import ExtractedProduct, ExtractionHints, extract

    extract(b"<html><body><h1>warm</h1></body></html>", "http://127.0.0.1/")
    hints: dict[int, ExtractionHints] = {}
    pages = 0
    while True:
        message = read_frame(source)
        if message is None:
            return pages
        if message[0] == "hints":
            hints[message[1]] = message[2]
            continue
        _, request_id, key, url, body = message
        started = time.perf_counter()
        answer: tuple[int, ExtractedProduct | None, float, str | None]
        try:
            product = extract(body, url, hints.get(key))
            product.candidates = []
            answer = (request_id, product, time.perf_counter() - started, None)
        except Exception as exc:  # extract() never raises; a bug must not kill the worker
            answer = (request_id, None, time.perf_counter() - started,
                      f"{type(exc).__name__}: {exc}")
        sink.write(frame(answer))
        sink.flush()
        pages += 1


PIPE_BYTES = 4 * 1024 * 1024
"""Pipe capacity asked for (Linux): the crawl process writes pages only between its other
work (a batch written to the database takes tens of milliseconds), and a default 64 KB pipe
holds less than two pages, so the worker would sit idle; 4 MB holds about a hundred."""


def widen_pipes(*fds: int) -> None:
    """Ask for bigger pipe buffers (capped by /proc/sys/fs/pipe-max-size for non-root);
    silently keeps the default elsewhere."""
    import fcntl

    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is None:
        return
    for fd in fds:
        for size in (PIPE_BYTES, 1024 * 1024):
            try:
                fcntl.fcntl(fd, setsize, size)
                break
            except OSError:
                continue


def main() -> int:
    widen_pipes(sys.stdin.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
