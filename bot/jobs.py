"""Work that runs after a listener has acknowledged: a small pool that logs failures instead of dropping them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)


class BackgroundJobs:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-job")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable, *args, **kwargs) -> Future:
        with self._idle:
            self._pending += 1
        return self._pool.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable, args: tuple, kwargs: dict) -> object:
        try:
            return fn(*args, **kwargs)
        except Exception:
            logger.exception("background job %s failed", getattr(fn, "__qualname__", fn))
            raise
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until no job is queued or running; False if that took longer than timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
