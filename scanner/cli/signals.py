"""The terminating signals besides Ctrl-C (SIGTERM from CI cancellation, `kill` or `timeout`; SIGHUP when
the terminal goes away; SIGQUIT) end a run the way Ctrl-C does: unwound in the main process, so the
process pool is terminated, no partial report, baseline or temporary file is left and the history cache
keeps what it committed; then one line on stderr and exit 128 + the signal's number. A signal ignored when
spillguard started (`nohup`) stays ignored. Pool workers do not take these handlers (scanner.pool).

A signal can land while a destructor runs (regex frees its parser's objects while compiling a pattern):
Python then prints "Exception ignored" and drops the KeyboardInterrupt or Terminated raised there, and the
run would go on. The unraisable hook installed here sends such a signal again, to be raised in the code
the destructor interrupted."""

from __future__ import annotations

import _thread
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

NAMES = ("SIGTERM", "SIGHUP", "SIGQUIT")
RESEND_DELAY = 0.02  # seconds: a signal dropped in a destructor is sent again this much later


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

    earlier_hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        """An interrupt raised inside a destructor, which Python drops: the signal is sent again, from
        another thread (sent from here, its handler would run, and raise, inside this hook)."""
        error = info.exc_value
        if isinstance(error, Terminated):
            raised.clear()
            _send_again(error.signum)
        elif isinstance(error, KeyboardInterrupt):
            _send_again(signal.SIGINT)
        else:
            earlier_hook(info)

    sys.unraisablehook = unraisable

    def restore() -> None:
        for signum, action in previous.items():
            signal.signal(signum, action)
        sys.unraisablehook = earlier_hook

    return restore


def _send_again(signum: int) -> None:
    """Sends `signum` to this process from a new thread, a moment later: the hook has returned by then
    and the main thread raises it where it is (starting the thread does not wait for it)."""
    _thread.start_new_thread(_send_later, (os.getpid(), signum))


def _send_later(pid: int, signum: int) -> None:
    time.sleep(RESEND_DELAY)
    os.kill(pid, signum)
