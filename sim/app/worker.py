"""What runs in a worker process: one job, exactly as ``python -m sim`` runs it.

:func:`work` composes the overrides and hands them to the command line's own job
(:func:`sim.jobs.cli.run_job`), which checks (or takes the job the app's check prepared), runs the
replications (in parallel over the cores the app granted, ``run.n_jobs``), writes the output files and
saves them in the cache.  What it would print goes back to the app with the progress, over a pipe:

``("progress", finished, total)``  after each replication
``("done", printed summary)``       when the outputs are written
``("failed", message)``             bad input or an overloaded run, in the command line's words

The worker leads its own process group, so cancelling a job stops its replications' processes too.
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from ..inputs.config import compose
from ..jobs.cli import run_job


def work(overrides: list[str], out_dir: str, command: str, pipe, prepared=None) -> None:
    """Run one job and report over ``pipe`` (the sending end of a :func:`multiprocessing.Pipe`); ``prepared``
    is the job the app's check prepared (:class:`sim.jobs.runner.Prepared`), run without preparing it again."""
    os.setpgrp()
    printed, errors = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(errors):
            run_job(compose(overrides), Path(out_dir), command,
                    progress=lambda finished, total: pipe.send(("progress", finished, total)), prepared=prepared)
        pipe.send(("done", printed.getvalue()))
    except SystemExit as stop:               # the command line's exit on bad input (2) or overload (3)
        pipe.send(("failed", errors.getvalue().strip() or f"stopped with exit code {stop.code}"))
    except Exception as error:               # anything else is reported on the page, not lost in a log
        pipe.send(("failed", f"carepath: {type(error).__name__}: {error}"))
    finally:
        pipe.close()
