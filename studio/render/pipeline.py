"""Run a frame iterator on a worker thread, so decoding overlaps encoding.

Decoding (PyAV), scaling and colour conversion (OpenCV) and encoding (x264) all release the GIL,
so a producer thread feeding a small bounded queue keeps every core busy the way ffmpeg's own
threads do. The iterator is created, consumed and closed on the worker thread only, since media
readers belong to the thread that opened them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

_END = object()


class Prefetch(Generic[U]):
    """Iterate ``convert(x)`` for ``x`` in ``make()``, computed ahead on a worker thread.

    Parameters
    ----------
    make
        Builds the source iterator; called on the worker thread.
    convert
        Applied to each item on the worker thread (e.g. RGB to an encoder-ready frame).
    depth
        How many converted items may wait in the queue.

    Use as a context manager: leaving it early stops the worker and closes the iterator. An
    exception raised by the worker is re-raised in the consuming thread.
    """

    def __init__(self, make: Callable[[], Iterator[T]], convert: Callable[[T], U],
                 depth: int = 4) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(make, convert),
                                        name="frameloom-render", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, make: Callable[[], Iterator[T]], convert: Callable[[T], U]) -> None:
        source: Iterator[T] | None = None
        try:
            source = make()
            for item in source:
                if not self._put(convert(item)):
                    return
            self._put(_END)
        except BaseException as exc:
            self._put(exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Iterator[U]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def close(self) -> None:
        """Stop the worker and wait for it to release its readers."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetch[U]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
