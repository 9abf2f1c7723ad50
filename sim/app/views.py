"""What the page says about a run: its state, the problems that stopped it, the question before a long one.

Every message is cut (:func:`sim.app.limits.cut_lines`), so what a user typed is never echoed back at
any length.
"""
from __future__ import annotations

from shiny import ui

from .jobs import DONE, FAILED, QUEUED, RUNNING, Job
from .limits import CONFIRM_SECONDS, SECONDS_PER_REPLICATION_YEAR, cut_lines, duration


def status_view(job: Job | None, ahead: int, workers: int, checking: bool, seconds: float | None = None) -> ui.Tag | None:
    """A job's state in words, with a progress bar while it runs (and its estimated time, when known)."""
    if checking:
        return ui.p("Checking the settings…")
    if job is None:
        return None
    estimate = f" Estimated run time: {duration(seconds)}." if seconds is not None and not job.cached else ""
    if job.state == QUEUED:
        return ui.p(f"Queued: {ahead} run(s) ahead of this one (at most {workers} core(s) work at once).{estimate}")
    if job.state == RUNNING:
        total = job.total or 1
        text = f"Running: {job.finished} of {job.total or '?'} replications finished.{estimate}"
        return ui.div(ui.tags.progress(value=str(job.finished), max=str(total), aria_label="Replications finished"), ui.p(text))
    if job.state == DONE:
        where = " (from the cache: this configuration has run before)" if job.cached else ""
        return ui.p(f"Finished: {job.total or 'all'} replications{where}.", class_="text-success")
    if job.state == FAILED:
        return None                                       # the problem shows in the alert
    if job.stopping:
        return ui.p("Cancelling: stopping the run and removing what it had written…")
    return ui.p("Cancelled.")


def confirm_view(seconds: float, workers: int) -> ui.Tag:
    """The question asked before a run longer than :data:`~sim.app.limits.CONFIRM_SECONDS`."""
    return ui.div(
        ui.p(ui.tags.strong(f"This run would take {duration(seconds)}"),
             f" on {workers} core(s) (an estimate: {SECONDS_PER_REPLICATION_YEAR:g} s per replication and simulated "
             "year of Walsall's population on one core, scaled by the place's population; runs of more than "
             f"{CONFIRM_SECONDS // 60} minutes start only when you confirm). Run it?"),
        ui.div(ui.input_action_button("confirm_run", "Run it", class_="btn-warning"),
               ui.input_action_button("confirm_no", "Do not run", class_="btn-outline-secondary"),
               class_="d-flex gap-2"),
        class_="alert alert-warning")


def problems_view(lines: tuple[str, ...]) -> ui.Tag | None:
    if not lines:
        return None
    said = "The command line says:" if all(line.startswith("carepath:") for line in lines) else ""
    return ui.div(ui.tags.strong("Not run. "), said, ui.tags.pre("\n".join(cut_lines(lines)), class_="mb-0", style="white-space:pre-wrap"),
                  class_="alert alert-danger")


def styled(table, caption: str):
    return table.style.hide(axis="index").set_caption(caption)
