"""An adaptive limit on the calls in flight (AIMD, as TCP does with its window).

Throttled: halve the limit (at least 1), once per burst: calls that started before the
last decrease do not halve it again. After ``grow_after`` successes in a row: one more call
allowed, up to the configured ``maximum``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from facebuild.errors import BackendError

POLL_SECONDS = 0.05
"""How often a waiting call looks at the cancel flag."""


class Cancelled(BackendError):
    """Raised inside the backend when the build was cancelled while a call waited."""

    def __init__(self) -> None:
        super().__init__("cancelled before the Bedrock call was made")


class AdaptiveLimit:
    """Calls allowed in flight at once, adapted to throttling."""

    def __init__(self, maximum: int, *, grow_after: int = 4) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum
        """The lowest the limit went, for the build report."""
        self.grow_after = grow_after
        self.in_flight = 0
        self.peak_in_flight = 0
        self._streak = 0
        self._epoch = 0
        self._cond = threading.Condition()

    @contextmanager
    def slot(self, cancelled: threading.Event) -> Iterator[int]:
        """Wait for a free slot; yields the epoch to hand to ``throttled``."""
        with self._cond:
            while self.in_flight >= self.limit:
                if cancelled.is_set():
                    raise Cancelled()
                self._cond.wait(POLL_SECONDS)
            if cancelled.is_set():
                raise Cancelled()
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            epoch = self._epoch
        try:
            yield epoch
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def throttled(self, epoch: int) -> None:
        """A call that started in ``epoch`` was throttled."""
        with self._cond:
            self._streak = 0
            if epoch == self._epoch:
                self.limit = max(1, self.limit // 2)
                self.lowest = min(self.lowest, self.limit)
                self._epoch += 1

    def succeeded(self) -> None:
        with self._cond:
            self._streak += 1
            if self._streak >= self.grow_after and self.limit < self.maximum:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()
