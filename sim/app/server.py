"""What the page does: check and queue runs, follow them, show their results, compare, download.

One :func:`server` runs per browser session.  Its runs are its own (the pool knows them by the session's
id, and a session holds only the jobs it started); runs go to worker processes through the pool shared
by every session (:class:`sim.app.jobs.Pool`), so the page answers while they run.  Checking the settings
(:func:`sim.app.checks.check`) and reading results happen in threads, away from the event loop that
serves every session.
"""
from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass
from functools import lru_cache

from shiny import reactive, render, req, ui

from . import checks, choices, downloads, results
from .jobs import DONE, FAILED, QUEUED, RUNNING, Job, Pool
from .page import group_id, setting_input

POLL_SECONDS = 0.4
SHOWN_SERVICES = ("acute", "ic_bed")       # drawn first, when the network has them


@lru_cache(maxsize=64)
def _composed(overrides: tuple[str, ...]):
    return checks.composed(overrides)


@dataclass(frozen=True)
class Basis:
    """What a run was asked for, kept so its reference for a comparison differs only where it should."""

    groups: dict
    run: tuple[str, ...]
    other: tuple[str, ...]


def status_view(job: Job | None, ahead: int, workers: int, checking: bool) -> ui.Tag | None:
    """A job's state in words, with a progress bar while it runs."""
    if checking:
        return ui.p("Checking the settings…")
    if job is None:
        return None
    if job.state == QUEUED:
        return ui.p(f"Queued: {ahead} run(s) ahead of this one (at most {workers} core(s) work at once).")
    if job.state == RUNNING:
        total = job.total or 1
        text = f"Running: {job.finished} of {job.total or '?'} replications finished."
        return ui.div(ui.tags.progress(value=str(job.finished), max=str(total), aria_label="Replications finished"), ui.p(text))
    if job.state == DONE:
        where = " (from the cache: this configuration has run before)" if job.cached else ""
        return ui.p(f"Finished: {job.total or 'all'} replications{where}.", class_="text-success")
    if job.state == FAILED:
        return None                                       # the problem shows in the alert
    return ui.p("Cancelled.")


def problems_view(lines: tuple[str, ...]) -> ui.Tag | None:
    if not lines:
        return None
    return ui.div(ui.tags.strong("Not run. "), "The command line says:", ui.tags.pre("\n".join(lines), class_="mb-0"),
                  class_="alert alert-danger")


def styled(table, caption: str):
    return table.style.hide(axis="index").set_caption(caption)


def make_server(pool: Pool, groups: list[choices.Group], run_defaults: dict):
    by_name = {g.name: g for g in groups}

    def server(input, output, session):
        jobs = {"run": reactive.Value(None), "reference": reactive.Value(None)}
        seen = {"run": reactive.Value(None), "reference": reactive.Value(None)}
        shown_problems = {"run": reactive.Value(()), "reference": reactive.Value(())}
        basis = reactive.Value(None)
        reference_name = reactive.Value("")
        session.on_ended(lambda: pool.cancel_session(session.id))

        def chosen_groups() -> dict:
            return {g.name: list(input[group_id(g)]() or []) if g.name in choices.MULTIPLE else input[group_id(g)]()
                    for g in groups}

        @reactive.calc
        async def settings():
            chosen = chosen_groups()
            raw, resolved = await asyncio.to_thread(_composed, tuple(choices.group_overrides(chosen)))
            return (choices.capacity_settings(raw, resolved),
                    choices.lever_settings(resolved, str(chosen.get("scenario", ""))))

        def run_overrides() -> list[str]:
            out = []
            for key, value in (("year", input.year()), ("end_year", input.end_year() or None),
                               ("replications", input.replications()), ("seed", input.seed())):
                default = run_defaults.get(key)
                if value is not None and str(value) != str(default):
                    out.append(f"run.{key}={value}")
            return out

        def other_overrides() -> list[str]:
            try:
                return shlex.split(input.other() or "")
            except ValueError as error:                    # an unclosed quote: Hydra's check names it
                return [f"{input.other()}  # {error}"]

        async def page_overrides() -> tuple[Basis, list[str]]:
            capacities, levers = await settings()
            values = {s.key: input[s.input_id]() for s in capacities + levers if s.input_id in input}
            chosen = chosen_groups()
            plan = Basis(chosen, tuple(run_overrides()), tuple(other_overrides()))
            return plan, [*choices.group_overrides(chosen), *choices.setting_overrides(capacities + levers, values),
                          *plan.run, *plan.other]

        def start_task():
            @reactive.extended_task
            async def start(overrides: tuple[str, ...], command: str):
                checked = await asyncio.to_thread(checks.check, overrides)
                if checked.problems:
                    return checked, None
                return checked, await asyncio.to_thread(pool.submit, session.id, checked.overrides, checked.data, command,
                                                        checked.job)
            return start

        tasks = {"run": start_task(), "reference": start_task()}

        def launch(purpose: str, overrides: list[str]) -> None:
            previous = jobs[purpose].get()
            if previous is not None and previous.active:
                pool.cancel(previous)
            shown_problems[purpose].set(())
            tasks[purpose](tuple(overrides), choices.command(overrides))

        def follow(purpose: str) -> None:
            @reactive.effect
            def _started():
                checked, job = tasks[purpose].result()
                shown_problems[purpose].set(checked.problems)
                jobs[purpose].set(job)
                if purpose == "run":
                    jobs["reference"].set(None)

        for purpose in jobs:
            follow(purpose)

        @reactive.effect
        @reactive.event(input.run)
        async def _run():
            plan, overrides = await page_overrides()
            basis.set(plan)
            launch("run", overrides)

        @reactive.effect
        @reactive.event(input.cancel)
        def _cancel():
            for purpose, task in tasks.items():
                task.cancel()
                job = jobs[purpose].get()
                if job is not None and job.active:
                    pool.cancel(job)

        @reactive.effect
        def _poll():
            active = False
            for purpose, value in jobs.items():
                job = value.get()
                snapshot = None if job is None else (job.id, job.state, job.finished, job.total, pool.ahead(job))
                active = active or (job is not None and job.active)
                with reactive.isolate():
                    if seen[purpose].get() != snapshot:
                        seen[purpose].set(snapshot)
                    if job is not None and job.state == FAILED and shown_problems[purpose].get() != (job.message,):
                        shown_problems[purpose].set((job.message,))
            if active:
                reactive.invalidate_later(POLL_SECONDS)

        async def finished(purpose: str):
            seen[purpose]()
            job = jobs[purpose].get()
            if job is None or job.state != DONE:
                return None
            return await asyncio.to_thread(results.load, job.out_dir, job.overrides)

        @reactive.calc
        async def this_run():
            return await finished("run")

        @reactive.calc
        async def reference_run():
            return await finished("reference")

        @reactive.calc
        async def paired():
            run, reference = await this_run(), await reference_run()
            req(run is not None and reference is not None)
            return await asyncio.to_thread(results.comparison, run, reference, await headline_names())

        async def headline_names() -> list[str]:
            run = await this_run()
            return results.report.headline_metrics(run.config["network"], run.summary["metric"])

        def shown_year() -> int | None:
            return int(input.year_shown()) if "year_shown" in input and input.year_shown() else None

        @render.ui
        def problems():
            return problems_view(shown_problems["run"]() + shown_problems["reference"]())

        @render.ui
        def status():
            seen["run"]()
            job = jobs["run"].get()
            return status_view(job, pool.ahead(job) if job else 0, pool.workers, tasks["run"].status() == "running")

        @render.ui
        def reference_status():
            seen["reference"]()
            job = jobs["reference"].get()
            return status_view(job, pool.ahead(job) if job else 0, pool.workers, tasks["reference"].status() == "running")

        @render.ui
        def scenario_about():
            group = by_name.get("scenario")
            chosen = input[group_id(group)]() if group else None
            text = group.descriptions.get(chosen, "") if group else ""
            return ui.p(text, class_="small text-muted") if text else None

        @render.ui
        async def capacities():
            capacities, _ = await settings()
            return [setting_input(s) for s in capacities]

        @render.ui
        async def levers():
            _, levers = await settings()
            return [setting_input(s) for s in levers] or ui.p("This scenario has no levers.", class_="small text-muted")

        @render.ui
        async def year_choice():
            run = await this_run()
            if run is None or len(run.years) < 2:
                return None
            labels = {str(y): f"{y}/{(y + 1) % 100:02d}" for y in run.years}
            return ui.input_select("year_shown", "Financial year shown", labels, selected=str(run.years[-1]))

        @render.ui
        async def warnings():
            run = await this_run()
            req(run is not None)
            return [ui.div(f"Warning: {w}", class_="alert alert-warning") for w in results.warnings(run)]

        @render.table
        async def headline():
            run = await this_run()
            req(run is not None)
            place, scenario = run.config["place"].get("name"), run.config["scenario"].get("name")
            table = results.headline(run, shown_year(), results.uncertainty(place, scenario, shown_year()))
            n = int(run.summary["replications"].max())
            return styled(table, f"Headline figures: mean of {n} replications and 95% interval")

        @render.ui
        async def headline_note():
            run = await this_run()
            req(run is not None)
            if not results.UNCERTAINTY.is_file():
                return None
            return ui.p("P10 and P90: the uncertainty analysis (results/uncertainty/psa_summary.csv), the spread "
                        "of each figure over the plausible ranges of the parameters.", class_="small text-muted")

        @render.ui
        async def service_choice():
            run = await this_run()
            req(run is not None)
            names = results.services(run)
            selected = [s for s in SHOWN_SERVICES if s in names] or names[:1]
            return ui.input_selectize("services", "Services", names, selected=selected, multiple=True)

        @render.ui
        async def measure_choice():
            run = await this_run()
            req(run is not None)
            measures = {m: label for m, label in results.MEASURES.items() if m in run.daily.columns}
            return ui.input_select("measure", "Show", measures, selected="occupancy_mean")

        @render.plot(alt="Daily figures of the chosen services over the results period, with 95% bands")
        async def over_time():
            run = await this_run()
            req(run is not None and "services" in input and input.services() and "measure" in input)
            return results.over_time_figure(run, list(input.services()), input.measure())

        @render.table
        async def costs():
            run = await this_run()
            req(run is not None)
            table = results.costs(run, shown_year()).drop(columns="value")
            return styled(table, "Costs by setting and by commissioner, pounds over the results period")

        @render.plot(alt="Costs by setting and by commissioner, £ million")
        async def costs_plot():
            run = await this_run()
            req(run is not None)
            return results.costs_figure(results.costs(run, shown_year()))

        @render.ui
        def reference_choice():
            group = by_name.get("scenario")
            req(group is not None)
            selected = "baseline" if "baseline" in group.options else group.default
            return ui.input_select("reference", "Reference scenario", group.options, selected=selected)

        @reactive.effect
        @reactive.event(input.compare)
        def _compare():
            plan = basis.get()
            if plan is None or jobs["run"].get() is None:
                shown_problems["reference"].set(("Run a configuration first, then compare it.",))
                return
            presets = by_name.get("scenario/capacity")
            chosen = {**plan.groups, "scenario": input.reference()}
            if presets is not None:
                chosen[presets.name] = presets.default
            reference_name.set(input.reference())
            launch("reference", [*choices.group_overrides(chosen), *plan.run, *plan.other])

        @render.table
        async def comparison():
            table = await paired()
            view = results.comparison_view(table, await headline_names(), shown_year())
            return styled(view, f"This run minus {reference_name()}: paired differences and 95% intervals")

        @render.plot(alt="Forest plot: change of each headline figure from the reference, with 95% intervals")
        async def forest():
            table = await paired()
            return results.forest_figure(table, await headline_names(), reference_name(), shown_year())

        downloads.register(jobs["run"], seen["run"], this_run, paired, reference_name)

    return server
