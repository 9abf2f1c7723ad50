"""Runs for every session of the app: worker processes behind a cap on cores, a queue beyond it.

A :class:`Pool` is shared by every browser session of one app.  A job asks for as many cores as it
has replications, up to the cap (``python -m sim.app --workers``, by default every core this process
may use); jobs start in the order they were asked for when their cores are free, so two sessions each
asking for every core of a two-core machine run one after the other instead of swamping it.  A job
whose configuration is in the cache (``run.cache_dir``, the command line's) is restored at once
without a worker.  Each job runs in a process of its own (:func:`sim.app.worker.work`), so the page
stays responsive, and :meth:`Pool.cancel` stops it, with the processes of its replications.

Jobs carry the id of the session that asked for them; a session only ever holds its own jobs, and its
output folder is its own (``<outputs>/<session>/<job>``).
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..jobs import cache
from .worker import work

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


@dataclass(eq=False)
class Job:
    """One configuration run (or restored) for one session."""

    session: str
    overrides: tuple[str, ...]
    command: str
    out_dir: Path
    cores: int
    total: int                            # replications (0 when chosen automatically, run.replications=auto)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: str = QUEUED
    finished: int = 0
    message: str = ""
    cached: bool = False
    submitted: float = field(default_factory=time.monotonic)
    process: Any = field(default=None, repr=False)
    prepared: Any = field(default=None, repr=False)   # the check's prepared job, run without preparing again
    stopped: bool = False                 # cancelled and its worker gone, with what it had half-written

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, RUNNING)

    @property
    def stopping(self) -> bool:
        """Cancelled, but its worker has not yet exited and cleared its folder."""
        return self.state == CANCELLED and not self.stopped


class Pool:
    """Worker processes for every session, at most ``workers`` cores busy at once."""

    def __init__(self, workers: int, outputs: Path | str):
        self.workers = max(1, int(workers))
        self.outputs = Path(outputs)
        self._lock = threading.RLock()
        self._queue: list[Job] = []
        self._running: list[Job] = []
        self._context = multiprocessing.get_context("spawn")   # a clean interpreter: the server runs threads

    def submit(self, session: str, overrides: tuple[str, ...], data: dict, command: str, prepared: Any = None) -> Job:
        """Queue the checked configuration ``data`` (composed from ``overrides``; ``prepared``, the job its
        check prepared, :attr:`sim.app.checks.Checked.job`); a cached one is done at once."""
        replications = data["run"]["replications"]
        total = 0 if replications == "auto" else int(replications)
        cores = min(self.workers, total or self.workers)
        job = Job(session, tuple(overrides), command, Path(), cores, total, prepared=prepared)
        job.out_dir = self.outputs / session / job.id
        run = data["run"]
        if not run.get("force", False) and cache.restore(cache.folder(run, cache.key(data)), job.out_dir):
            job.state, job.cached, job.finished = DONE, True, total
            return job
        with self._lock:
            self._queue.append(job)
            self._dispatch()
        return job

    def ahead(self, job: Job) -> int:
        """Jobs of any session that will start or are running before ``job`` (0 once it runs)."""
        with self._lock:
            return len(self._running) + self._queue.index(job) if job in self._queue else 0

    def busy(self) -> int:
        """Cores in use now."""
        with self._lock:
            return sum(j.cores for j in self._running)

    def cancel(self, job: Job) -> None:
        """Stop ``job``: take it off the queue, or end its worker and the worker's own processes."""
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job.state, job.stopped = CANCELLED, True    # it never started: nothing was written
                return
            if job.state != RUNNING:
                return
            job.state = CANCELLED
            process = job.process
        self._stop(process)

    @staticmethod
    def _stop(process, grace: float = 10.0) -> None:
        """End a worker and the processes it started for its replications: asked (SIGTERM), then, if it is
        still there after ``grace`` seconds, made to (SIGKILL)."""
        def send(sig) -> None:
            try:
                os.killpg(process.pid, sig)           # the worker leads its group: its replications' processes too
            except (ProcessLookupError, PermissionError):   # not yet its group's leader, or gone
                if sig == signal.SIGKILL:
                    process.kill()
                else:
                    process.terminate()

        send(signal.SIGTERM)

        def insist() -> None:                         # waits on the sentinel: the pool's own thread reaps the worker
            if not multiprocessing.connection.wait([process.sentinel], grace):
                send(signal.SIGKILL)

        threading.Thread(target=insist, daemon=True, name=f"stop-{process.pid}").start()

    def cancel_session(self, session: str) -> None:
        """Cancel every job of a session (its browser tab has closed)."""
        with self._lock:
            jobs = [j for j in self._queue + self._running if j.session == session]
        for job in jobs:
            self.cancel(job)

    def shutdown(self) -> None:
        """Cancel every job (the app is stopping)."""
        with self._lock:
            jobs = self._queue + self._running
        for job in jobs:
            self.cancel(job)

    def _dispatch(self) -> None:
        """Start queued jobs, first come first served, while their cores are free."""
        while self._queue and self.busy() + self._queue[0].cores <= self.workers:
            self._start(self._queue.pop(0))

    def _start(self, job: Job) -> None:
        receiver, sender = self._context.Pipe(duplex=False)
        overrides = [*job.overrides, f"run.n_jobs={job.cores}"]       # the results do not depend on it
        job.out_dir.mkdir(parents=True, exist_ok=True)
        job.process = self._context.Process(target=work, args=(overrides, str(job.out_dir), job.command, sender, job.prepared),
                                            name=f"carepath-app-{job.id}")
        job.state = RUNNING
        self._running.append(job)
        job.process.start()
        sender.close()                        # the worker holds the only sending end: its exit ends the pipe
        threading.Thread(target=self._follow, args=(job, receiver), daemon=True, name=f"follow-{job.id}").start()

    def _follow(self, job: Job, receiver) -> None:
        """Read the worker's reports until it exits, then free its cores for the next job."""
        while True:
            try:
                report = receiver.recv()
            except (EOFError, OSError):
                break
            if job.state != RUNNING:
                continue
            if report[0] == "progress":
                job.finished, job.total = report[1], report[2] if not job.total else job.total
                continue
            if report[0] == "done":
                job.finished, job.message, job.state = job.total, report[1], DONE
            else:
                job.message, job.state = report[1], FAILED
            break
        receiver.close()
        self._stop(job.process)               # its replications' idle processes would otherwise hold the cores
        job.process.join()
        with self._lock:
            if job.state == RUNNING:          # ended without a word: killed from outside, or out of memory
                job.state, job.message = FAILED, f"carepath: the worker stopped (exit code {job.process.exitcode})"
            self._running.remove(job)
            self._dispatch()
        if job.state in (CANCELLED, FAILED):
            shutil.rmtree(job.out_dir, ignore_errors=True)             # nothing half-written is left behind
        job.stopped = job.state == CANCELLED
