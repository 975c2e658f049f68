"""An extraction worker process: reads product pages from stdin, writes drafts to stdout.

Started by :mod:`spiders.offload` (``python -m spiders.extract_worker``). It imports the
extraction library and the pure validation step (:mod:`spiders.drafts`), never Scrapy or
Twisted. A page comes in as it left the downloader and goes back as a validated `Draft`,
ready for the store pipeline's next batch: the crawl process neither reads nor validates
it, and no Scrapy item is made for it.

Both directions carry frames: a 4-byte big-endian length, then a pickle. Requests are

* ``("setup", Competitor, prefer, full_read_every)``: first, once: whose pages follow, the
  fast path learned so far and the sampling setting (:class:`spiders.reading.PageReader`:
  the worker then learns from its own pages as the spider would);
* ``("page", page_id, url, variant, fetched_at, http_status, rendered, body)``: read one
  page that answered (the values of its `PageItem`).

Answers go back in batches: one frame holds a list of
``(page_id, Draft | None, counts_for_learner, extractor | None, quick, seconds, error)``,
one per page, in the order received. A batch is written when 64 answers are waiting or
when no further request is waiting on stdin, so the last pages are never held back. End
of input ends the process. Both ends trust each other: they are the same program, over a
private pipe.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import sys
import time
from typing import IO, Any

HEADER = struct.Struct(">I")
"""Frame header: payload length in bytes."""
BATCH = 64
"""Answers per frame at most (fewer when the worker has caught up with its input)."""


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


class FrameReader:
    """Frames from a pipe's file descriptor, with a way to tell whether more is waiting."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.offset = 0

    def take(self) -> tuple[bool, Any]:
        """(True, message) when a whole frame is buffered, else (False, None)."""
        available = len(self.buffer) - self.offset
        if available < HEADER.size:
            return False, None
        (size,) = HEADER.unpack_from(self.buffer, self.offset)
        end = self.offset + HEADER.size + size
        if len(self.buffer) < end:
            return False, None
        message = pickle.loads(memoryview(self.buffer)[self.offset + HEADER.size:end])
        self.offset = end
        return True, message

    def waiting(self) -> bool:
        """More input can be read without blocking."""
        return bool(select.select([self.fd], [], [], 0)[0])

    def fill(self) -> bool:
        """Read what the pipe holds (blocking until something comes); False at end of input."""
        if self.offset:
            del self.buffer[:self.offset]
            self.offset = 0
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            return False
        self.buffer += chunk
        return True


class Worker:
    """The worker's state: the competitor's page reader, set up by the first message."""

    def __init__(self) -> None:
        self.reader: Any = None

    def handle(self, message: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Set up the reader, or read one page into its answer."""
        if message[0] == "setup":
            from spiders.reading import PageReader

            _, competitor, prefer, full_read_every = message
            self.reader = PageReader(competitor, prefer, full_read_every)
            return None
        from spiders.items import PageItem

        _, page_id, url, variant, fetched_at, http_status, rendered, body = message
        item = PageItem(url=url, variant=variant, fetched_at=fetched_at,
                        http_status=http_status, rendered=rendered)
        return self.read(page_id, item, body)

    def read(self, page_id: int, item: Any, body: bytes) -> tuple[Any, ...]:
        from spiders.drafts import draft_from

        started = time.perf_counter()
        try:
            observed, extractor = self.reader.read(item, body)
            seconds = time.perf_counter() - started
            draft = draft_from(item, self.reader.competitor)
        except Exception as exc:  # reading never raises; a bug must not kill the worker
            return (page_id, None, False, None, False, time.perf_counter() - started,
                    f"{type(exc).__name__}: {exc}")
        return (page_id, draft, observed, extractor, item.quick, seconds, None)


def serve(fd: int, sink: IO[bytes]) -> int:
    """Answer page requests until the input ends; returns the number of pages read."""
    from spiders.extraction import extract

    extract(b"<html><body><h1>warm</h1></body></html>", "http://127.0.0.1/")
    worker, source = Worker(), FrameReader(fd)
    answers: list[tuple[Any, ...]] = []
    pages = 0

    def send() -> None:
        sink.write(frame(answers))
        sink.flush()
        answers.clear()

    while True:
        whole, message = source.take()
        if not whole:
            if answers and not source.waiting():
                send()  # caught up: what is read goes back now, not with the next batch
            if not source.fill():
                break
            continue
        answer = worker.handle(message)
        if answer is not None:
            answers.append(answer)
            pages += 1
            if len(answers) >= BATCH:
                send()
    if answers:
        send()
    return pages


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


def die_with_parent() -> None:
    """Ask Linux to kill this process when the crawl process that started it ends, however
    it ends: a worker stuck on a page it was no longer waited for (the crawl reads such
    pages itself) must not outlive the crawl. (Linux ties this to the thread that started
    the worker: the reactor's, which lives as long as the crawl.) Elsewhere nothing
    happens."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the request took effect
        os._exit(0)


NICENESS = 10
"""How much lower the worker's CPU priority is than the crawl's: when the two (and the
shop's server, in a bench) want the same core, the crawl process, which is the limit,
goes first; the worker has time to spare on a structured-data shop and catches up. On
the crawl bench this raised the median ratio from about 0.74 to 0.81 (two interleaved
A/B runs of six pairs each)."""


def main() -> int:
    die_with_parent()
    os.nice(NICENESS)
    widen_pipes(sys.stdin.fileno(), sys.stdout.fileno())
    serve(sys.stdin.fileno(), sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
