"""The terminating signals besides Ctrl-C (SIGTERM from CI cancellation, `kill` or `timeout`; SIGHUP when
the terminal goes away; SIGQUIT) end a run the way Ctrl-C does: unwound in the main process, so the
process pool is terminated, no partial report, baseline or temporary file is left and the history cache
keeps what it committed; then one line on stderr and exit 128 + the signal's number. A signal ignored when
spillguard started (`nohup`) stays ignored. Pool workers do not take these handlers (scanner.pool)."""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

NAMES = ("SIGTERM", "SIGHUP", "SIGQUIT")


class Terminated(BaseException):
    """Raised in the main thread by a terminating signal; like KeyboardInterrupt, no `except Exception`
    catches it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def install() -> Callable[[], None]:
    """Installs the handlers (in the main thread only); returns what restores the previous ones."""
    previous: dict[int, Any] = {}
    raised: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if not raised:  # a second signal while the first unwinds would interrupt the clean-up
            raised.append(signum)
            raise Terminated(signum)

    for name in NAMES:
        signum = getattr(signal, name, None)
        if signum is None or signal.getsignal(signum) is signal.SIG_IGN:
            continue
        try:
            previous[signum] = signal.signal(signum, handler)
        except ValueError:  # not the main thread: leave the defaults
            break

    def restore() -> None:
        for signum, action in previous.items():
            signal.signal(signum, action)

    return restore
