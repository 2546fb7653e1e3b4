"""The handlers and stream guards the CLI installs, in-process (the end-to-end runs, in real processes
sent real signals and real closed or full descriptors, are in tests/test_interrupts.py and
tests/cli/test_output_errors.py)."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from scanner.cli import signals, streams
from scanner.errors import OutputError


def test_a_terminating_signal_raises_once_and_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    restore = signals.install()
    try:
        with pytest.raises(signals.Terminated) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.sigtimedwait([], 0)  # let the handler run
        assert caught.value.signum == signal.SIGTERM and caught.value.name == "SIGTERM"
        os.kill(os.getpid(), signal.SIGTERM)  # a second one, while the first unwinds: ignored
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) is before


class _SignalledWhileFreed:
    """An object whose destructor is where the signal lands (as when regex frees its parser's objects)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        signal.sigtimedwait([], 0)  # the handler runs here, inside the destructor


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGTERM, signals.Terminated), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_signal_that_lands_in_a_destructor_is_not_lost(signum: int, raised: type[BaseException]) -> None:
    """Python drops an exception raised in a destructor ("Exception ignored"): the signal is sent again
    and raised in the code the destructor interrupted."""
    before = sys.unraisablehook
    restore = signals.install()
    try:
        with pytest.raises(raised):
            _SignalledWhileFreed(signum)  # freed at once: the signal lands in __del__
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # sent again from another thread: raised here
                time.sleep(0.01)
    finally:
        restore()
    assert sys.unraisablehook is before


def test_an_ignored_signal_is_left_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        restore = signals.install()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        restore()
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_failed_stream_drops_the_rest() -> None:
    read, write = os.pipe()
    os.close(read)  # nobody reads: EPIPE
    strict = streams._Raw(write, "standard output", strict=True)
    with pytest.raises(streams.ReaderGone):
        strict.write(b"report")
    assert strict.write(b"more") == 4  # dropped, not raised again
    lenient = streams._Raw(write, "standard error", strict=False)
    assert lenient.write(b"message") == 7
    os.close(write)
    closed = streams._Raw(None, "standard output", strict=True)
    assert not closed.isatty() and closed.writable()
    with pytest.raises(OutputError, match="^standard output is closed; "):
        closed.write(b"x")
    with pytest.raises(OSError):
        closed.fileno()
    bad = streams._Raw(write, "standard output", strict=True)  # a descriptor closed since
    with pytest.raises(OutputError, match=r"^cannot write to standard output \(Bad file descriptor\)"):
        bad.write(b"x")
