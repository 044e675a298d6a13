"""The second core: a share of a large job runs in a forked copy of this process.

The parent does the first share itself and takes the child's result afterwards, so results
(and warnings, which the child hands back instead of printing) come in the order one process
would give them. A child that fails hands back nothing: the parent then does that share too,
which raises the same error, from the same place, as a single process would.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


def available() -> bool:
    """Forking is safe and useful: Linux, two or more CPUs, no other thread running, and no
    share already running apart (in a child, or beside this process): two cores are busy."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and threading.active_count() == 1 and not _sharing[0]


_sharing = [False]
"""Whether this process is a forked share or waits for one."""


def halfway(costs: Sequence[float]) -> int:
    """Where the later of two shares of `costs` (two or more) starts: at about half of their
    sum, and neither share empty."""
    total, done = sum(costs), 0.0
    for index, cost in enumerate(costs):
        if done + cost / 2 >= total / 2:
            return min(max(index, 1), len(costs) - 1)
        done += cost
    return len(costs) - 1


def in_two(first: Callable[[], T], later: Callable[[], U], later_here: Callable[[], U] | None = None) -> tuple[T, U]:
    """(first(), later()), with later() running in a forked child meanwhile (it must not
    return None). When the child fails, `later_here` (default: `later`) runs here after
    first(), raising its error as one process would."""
    child = Forked(later)
    try:
        mine = first()
        theirs = child.result()
    except BaseException:
        child.cancel()
        raise
    return mine, (theirs if theirs is not None else (later_here or later)())


class Forked(Generic[T]):
    """`work()` running in a child process; `result()` waits for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        import pickle  # here: most runs never fork

        read_end, write_end = os.pipe()
        _sharing[0] = True
        self._pid = os.fork()
        if self._pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read_end)
                gc.freeze()  # the child's collections leave the parent's objects (and their pages) alone
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                data = pickle.dumps(work(), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self._pipe = os.fdopen(read_end, "rb")
        self._running = True

    def result(self) -> T | None:
        """The child's result, or None when it failed."""
        with self._pipe:
            data = self._pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._running = _sharing[0] = False
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return None
        import pickle

        enabled = gc.isenabled()
        gc.disable()  # unpickling makes many objects and no garbage
        try:
            return pickle.loads(data)
        finally:
            if enabled:
                gc.enable()

    def cancel(self) -> None:
        """Stop the child when its result is no longer wanted (the parent failed or was interrupted)."""
        if not self._running:
            return
        self._pipe.close()
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        self._running = _sharing[0] = False
