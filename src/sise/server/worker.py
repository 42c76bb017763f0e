"""The simulator's worker process: where a live server's batches are made.

Making a live second of the market (``MarketSimulator.batches``) takes about 8 ms of CPU at the
open at ``--scale 1``. Made on a thread of the server, that work holds the GIL while requests
wait for it; ``SimWorker`` makes it in a child process instead, on the machine's other core.

- The process is started once, when the market first goes live (``spawn``: a fresh interpreter
  that inherits no thread, lock or socket of the server), and is handed a pickled copy of the
  day's simulator each time a day goes live (a *run*). Until it has started, the day goes on on
  the thread, so starting it costs the market no time.
- It sends each batch with the simulator's state after it (``MarketSimulator.snapshot``, ~0.3 MB,
  0.1 ms) and keeps at most ``AHEAD`` batches unacknowledged. The server's simulator restores that
  state as it hands the batch on, so it stands exactly where the worker's stood: the journal's
  snapshots, and a fall-back to the thread, see the same simulator as without a worker.
- The batches are those the simulator would make in place: the same code from the same state.
- A worker that dies is replaced by the thread for the rest of the server's life, with one log
  line: the day goes on from the last batch received. A worker's error is raised in the server as
  the simulator's own would be.
"""

from __future__ import annotations

import logging
import pickle
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from sise.engine.batches import Batch
from sise.sources.simulator import MarketSimulator

log = logging.getLogger("sise.worker")

#: Batches the worker makes ahead of the server's acknowledgements (on top of the market's own
#: producer queue): enough to cover a batch's making while the last one is handed on.
AHEAD = 2
#: Bytes the pipe to the worker holds each way (a batch of the open and its state are ~1 MB).
PIPE_BUFFER = 4 << 20
#: Seconds without a message from a worker that owes batches after which it is stopped (and the
#: thread goes on): far beyond the slowest live step (60 s of market at the open, ~0.5 s).
STALL_S = 60.0
#: Seconds ``close`` waits for the process to end before it is killed.
CLOSE_WAIT_S = 2.0


class Cancelled(Exception):
    """The run was cancelled (``SimWorker.cancel``): the day's batches stop here, without an end."""


class SimWorker:
    """One child process making simulators' batches, and the pipe to it."""

    def __init__(self) -> None:
        here, there = socket.socketpair()
        for end in (here, there):
            # A batch and its state in one read (the kernel caps it at net.core.wmem_max): a
            # message cut into many reads costs the server's reader a GIL round-trip for each.
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIPE_BUFFER)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PIPE_BUFFER)
        self._conn = Connection(here.detach())
        self._process: subprocess.Popen[bytes] | None = None
        # The run and its queue; the reader takes it to hand a message on, so nothing blocking
        # is done under it.
        self._lock = threading.Lock()
        # The pipe's sending end. Apart from ``_lock``: a send can wait for the worker to read,
        # and the worker may be waiting for the reader to take the batch it is sending.
        self._sending = threading.Lock()
        self._run = 0
        self._queue: queue.SimpleQueue[tuple[Any, ...]] | None = None
        self._accepting = True
        self._closing = False
        self._ready = threading.Event()
        #: The process failed to start or died: ``offload`` declines from then on.
        self.dead = False
        try:
            # A fresh interpreter running this module (not ``multiprocessing``'s spawn, which
            # would run the caller's ``__main__`` again): it inherits the pipe and nothing else,
            # and in its own session Ctrl-C at a terminal is the server's alone. It ends when
            # the pipe closes, however the server ends.
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(there.fileno())],
                pass_fds=(there.fileno(),),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as e:
            log.warning("sise: no worker process (%s): batches are made on a thread", e)
            self.dead = True
            self._conn.close()
            return
        finally:
            there.close()
        self._reader = threading.Thread(target=self._read, name="sise-sim-pipe", daemon=True)
        self._reader.start()

    # -- the server's side ------------------------------------------------------------------------

    def offload(self, sim: MarketSimulator) -> Iterator[Batch] | None:
        """The rest of ``sim``'s day, made by the worker (``MarketSimulator.offload``); ``None``
        while the worker is starting, after it died, or between ``cancel`` and ``accept``."""
        if self.dead or not self._ready.is_set():
            return None
        data = pickle.dumps(sim, protocol=pickle.HIGHEST_PROTOCOL)  # without its hooks
        with self._lock:
            if not self._accepting:
                return None
            self._run += 1
            run, self._queue = self._run, queue.SimpleQueue()
            q = self._queue
        if not self._send(("run", run, data, AHEAD)):
            return None
        return self._receive(sim, run, q)

    def _receive(
        self, sim: MarketSimulator, run: int, q: queue.SimpleQueue[tuple[Any, ...]]
    ) -> Iterator[Batch]:
        while True:
            try:
                msg = q.get(timeout=STALL_S)
            except queue.Empty:  # a worker that hangs is treated as one that died
                log.warning("sise: the simulator's worker sent nothing for %.0f s: stopping it", STALL_S)
                self._kill()
                continue
            kind = msg[0]
            if kind == "batch":
                _, _, batch, state = msg
                sim.restore(state)  # where the worker's simulator stands now
                yield batch
                if self._run == run:  # (a stale credit is dropped by the worker anyway)
                    self._send(("more", run))
            elif kind == "end":
                return
            elif kind == "cancel":
                raise Cancelled
            elif kind == "error":
                raise RuntimeError(f"the simulator failed in its worker process: {msg[2]}")
            else:  # "died": the rest of the day here, from the last batch received
                yield from sim.batches()
                return

    def accept(self) -> None:
        """Take runs again (a day goes live)."""
        with self._lock:
            self._accepting = True

    def cancel(self) -> None:
        """Stop the current run: its receiver raises ``Cancelled`` and the worker drops it. No run
        is taken until ``accept``."""
        with self._lock:
            self._accepting = False
            self._run += 1  # what the worker still sends of the old run is dropped
            if self._queue is not None:
                self._queue.put(("cancel",))
                self._queue = None
        self._send(("cancel",))

    def close(self) -> None:
        """End the process (the market is closing)."""
        self.cancel()
        self._closing = True
        self._send(("stop",))
        if self._process is not None:
            try:
                self._process.wait(CLOSE_WAIT_S)
            except subprocess.TimeoutExpired:
                self._kill()
        self._conn.close()

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _send(self, msg: tuple[Any, ...]) -> bool:
        """``False`` when the worker is gone."""
        if self.dead:
            return False
        try:
            with self._sending:
                self._conn.send(msg)
        except (OSError, ValueError):  # a closed pipe: the reader says it died
            return False
        return True

    def _read(self) -> None:
        """Hand the worker's messages to the current run (a thread: the pipe is read without the
        GIL while waiting)."""
        while True:
            try:
                msg = self._conn.recv()
            except (EOFError, OSError):
                break
            if msg[0] == "ready":
                self._ready.set()
                continue
            with self._lock:
                if msg[1] == self._run and self._queue is not None:
                    self._queue.put(msg)
        with self._lock:
            started, closing = self._ready.is_set(), self._closing
            self.dead = True
            if self._queue is not None:
                self._queue.put(("died",))
        if closing:
            pass
        elif started:
            log.warning("sise: the simulator's worker process ended: batches are made on a thread")
        else:
            log.warning("sise: the simulator's worker process did not start: batches are made on a thread")


# -- the worker's side ----------------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    """The worker process: make the current run's batches while it has credit; between two, take
    the server's messages (a new run, more credit, cancel, stop). Ends when the pipe closes."""
    try:
        _loop(conn)
    except (EOFError, OSError):  # the server is gone (killed, or closed the pipe mid-message)
        return


def _loop(conn: Connection) -> None:
    conn.send(("ready",))
    run, credit = 0, 0
    sim: MarketSimulator | None = None
    batches: Iterator[Batch] | None = None
    while True:
        if batches is None or credit == 0 or conn.poll():
            msg = conn.recv()
            kind = msg[0]
            if kind == "run":
                run, sim, credit = msg[1], pickle.loads(msg[2]), msg[3]
                assert sim is not None
                batches = sim.batches()
            elif kind == "more" and msg[1] == run:
                credit += 1
            elif kind == "cancel":
                batches, sim = None, None
            elif kind == "stop":
                return
            continue
        assert sim is not None
        try:
            batch = next(batches, None)
        except Exception as e:  # the server raises it where the simulator would have
            conn.send(("error", run, f"{type(e).__name__}: {e}"))
            batches = None
            continue
        if batch is None:
            conn.send(("end", run))
            batches = None
            continue
        conn.send(("batch", run, batch, sim.snapshot()))
        credit -= 1


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
