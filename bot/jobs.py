"""Work that runs after a listener has acknowledged: a small pool that logs failures instead of dropping them."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

QUEUE_SHARE = 0.7  # of a stop's time, what the queued jobs get before those not started are handed back


class BackgroundJobs:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="touchpoint-job")
        self._pending = 0
        self._idle = threading.Condition()
        self._queued: dict[Future, Callable[[], object] | None] = {}  # jobs not yet finished, and their hand-backs
        self._stopped = False

    def submit(self, fn: Callable, *args, hand_back: Callable[[], object] | None = None, **kwargs) -> Future:
        """Run fn(*args, **kwargs) on the pool. `hand_back` is called instead if the pool stops before fn starts
        (the job's work is stored, and something else will do it)."""
        with self._idle:
            self._pending += 1
        # The job runs in the submitting request's context: its lines are logged with that request's workspace.
        future = self._pool.submit(contextvars.copy_context().run, self._run, fn, args, kwargs)
        with self._idle:
            self._queued[future] = hand_back
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        if not future.cancelled():  # a cancelled one is stop()'s to hand back
            with self._idle:
                self._queued.pop(future, None)

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

    def stop(self, timeout: float) -> bool:
        """Take no more jobs and finish or hand back the rest within `timeout` seconds: the queue gets most of that
        time to drain, then the jobs not yet started are cancelled (the ones stored are handed back) and the running
        ones get what is left. True if nothing was left running."""
        deadline = time.monotonic() + timeout
        self._stopped = True
        if not self.wait_idle(timeout * QUEUE_SHARE):
            self._pool.shutdown(wait=False, cancel_futures=True)
            with self._idle:
                cancelled = [hand_back for future, hand_back in self._queued.items() if future.cancelled()]
                self._pending -= len(cancelled)  # a cancelled job never ran, so it was still counted
                self._idle.notify_all()
            for hand_back in filter(None, cancelled):
                try:
                    hand_back()
                except Exception:
                    logger.exception("could not hand back a job")
            logger.info("%d jobs not started were cancelled (the stored ones handed back)", len(cancelled))
        self._pool.shutdown(wait=False)
        return self.wait_idle(max(0.0, deadline - time.monotonic()))

    def shutdown(self) -> None:
        if not self._stopped:  # after stop(), what still runs is abandoned, not waited for
            self._pool.shutdown(wait=True)
