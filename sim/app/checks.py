"""The app's one door to the configuration: compose and check a job exactly as ``python -m sim`` does.

:func:`check` runs the command line's own checks in the command line's order --
:func:`sim.inputs.overrides.problems` on the overrides before anything is composed (as
``python -m sim`` does before Hydra starts), then :func:`sim.jobs.cli.job_problems` on the composed
configuration (as the command-line job does before it runs) -- and words each problem as the command
line prints it, so the page refuses bad input before anything runs, in the same words.  The job the
check prepared goes to the worker that runs it (:attr:`Checked.job`), which does not prepare it again.

Between the two, the web app's own limits (:func:`sim.app.limits.run_problems`: replications, years)
refuse a run too big for a shared page before the command line's checks build it.  A check that stops
with an exception (a value the command line's checks do not expect) is a problem like any other, in
its own words, so the page always gets an answer.

Hydra keeps its state in one global per process, so every composition the app makes (checks, and the
defaults the page shows) goes through :data:`HYDRA`, one at a time, whatever the number of sessions.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hydra.errors import HydraException
from omegaconf import OmegaConf

from ..common.errors import ConfigError
from ..inputs.config import compose, to_plain
from ..inputs.overrides import problems
from ..jobs.cli import checked_job, problem_line
from .limits import run_problems

#: held while Hydra composes (its global state admits one composition at a time)
HYDRA = threading.Lock()


@dataclass(frozen=True)
class Checked:
    """Overrides after the checks: the resolved configuration to run, or the problems to show."""

    overrides: tuple[str, ...]
    data: dict | None
    problems: tuple[str, ...]
    job: Any = None              # the prepared job (sim.jobs.runner.Prepared) when there are no problems


def check(overrides: Iterable[str]) -> Checked:
    """The command line's checks of ``overrides``, every problem worded as ``python -m sim`` prints it, and
    the web app's limits; an exception in them becomes the one problem."""
    overrides = tuple(overrides)
    try:
        return _check(overrides)
    except Exception as error:                          # the page must always get an answer
        return Checked(overrides, None, (stopped(error),))


def stopped(error: BaseException) -> str:
    """A check or run that stopped with ``error``, as a problem line."""
    return f"carepath: the check stopped: {type(error).__name__}: {error}"


def _check(overrides: tuple[str, ...]) -> Checked:
    with HYDRA:
        found = problems(overrides)
        if found:
            return Checked(overrides, None, tuple(problem_line(e) for e in found))
        try:
            cfg = compose(overrides)
        except ConfigError as error:
            return Checked(overrides, None, tuple(problem_line(e) for e in getattr(error, "errors", [error])))
        except HydraException as error:                # what Hydra itself refuses, such as a sweep in one run
            return Checked(overrides, None, (problem_line(str(error).splitlines()[0]),))
        try:
            limits = run_problems(to_plain(cfg))
        except Exception:                              # the command line's checks word it
            limits = []
        if limits:
            return Checked(overrides, None, tuple(limits))
        job, bad = checked_job(cfg)
    return Checked(overrides, job.config if job is not None else None, tuple(problem_line(e) for e in bad), job)


def composed(overrides: Iterable[str]) -> tuple[dict, dict]:
    """The configuration ``overrides`` compose to, unresolved (interpolations kept) and resolved."""
    with HYDRA:
        cfg = compose(overrides)
        return OmegaConf.to_container(cfg, resolve=False), to_plain(cfg)
