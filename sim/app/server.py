"""What the page does: check and queue runs, follow them, show their results, compare, download.

One :func:`server` runs per browser session.  Its runs are its own (the pool knows them by the session's
id, and a session holds only the jobs it started); runs go to worker processes through the pool shared
by every session (:class:`sim.app.jobs.Pool`), so the page answers while they run.  Checking the settings
(:func:`sim.app.checks.check`) and reading results happen in threads, away from the event loop that
serves every session.

Nothing the user types runs by default: an empty field, or one without a number, is refused beside the
field (:func:`sim.app.limits.field_problem`), the command line's problems are shown beside the fields
they name too, and a run longer than :data:`sim.app.limits.CONFIRM_SECONDS` waits for the user to
confirm.  An exception anywhere in checking or starting a run becomes a message on the page, so the
page never hangs on "Checking the settings".
"""
from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass
from functools import lru_cache

from shiny import reactive, render, req, ui
from shiny.types import SilentException

from ..analysis.sites import by_site
from . import checks, choices, downloads, limits, pathway_tab, results, settings_file, spread
from .jobs import DONE, FAILED, Pool
from .page import group_id, setting_input
from .views import confirm_view, problems_view, status_view, styled

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


def make_server(pool: Pool, groups: list[choices.Group], run_defaults: dict):
    by_name = {g.name: g for g in groups}
    study = spread.load()

    def server(input, output, session):
        jobs = {"run": reactive.Value(None), "reference": reactive.Value(None)}
        seen = {"run": reactive.Value(None), "reference": reactive.Value(None)}
        shown_problems = {"run": reactive.Value(()), "reference": reactive.Value(())}
        estimates = {"run": reactive.Value(None), "reference": reactive.Value(None)}
        pending = reactive.Value(None)           # (overrides, seconds) of a long run waiting to be confirmed
        fields: dict[str, str] = {}              # setting key -> its input id, as last asked for
        basis = reactive.Value(None)
        loaded = reactive.Value(({}, {}))          # the chosen groups and the values a loaded settings file gave
        reference_name = reactive.Value("")
        session.on_ended(lambda: pool.cancel_session(session.id))

        def chosen_groups() -> dict:
            return {g.name: list(input[group_id(g)]() or []) if g.name in choices.MULTIPLE else input[group_id(g)]()
                    for g in groups}

        def settings_for(chosen: dict):
            raw, resolved = _composed(tuple(choices.group_overrides(chosen)))
            return (choices.capacity_settings(raw, resolved),
                    choices.lever_settings(resolved, str(chosen.get("scenario", ""))))

        @reactive.calc
        async def settings():
            return await asyncio.to_thread(settings_for, chosen_groups())

        def loaded_values() -> dict:
            chosen, values = loaded.get()
            return values if chosen == chosen_groups() else {}

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

        async def page_overrides() -> tuple[Basis, list[str], dict[str, str]]:
            capacities, levers = await settings()
            shown = [s for s in capacities + levers if s.input_id in input]
            values = {s.key: input[s.input_id]() for s in shown}
            fields.clear()
            fields.update({s.key: s.input_id for s in shown})
            entries = [(s.input_id, s.key, values[s.key], "places" if s.whole else "fraction") for s in shown]
            entries += [(name, f"run.{name}", input[name](), name) for name in ("replications", "seed")]
            chosen = chosen_groups()
            plan = Basis(chosen, tuple(run_overrides()), tuple(other_overrides()))
            return plan, [*choices.group_overrides(chosen), *choices.setting_overrides(capacities + levers, values),
                          *plan.run, *plan.other], limits.field_problems(entries)

        async def mark(marks: dict[str, str]) -> None:
            await session.send_custom_message("field_problems", marks)

        def start_task():
            @reactive.extended_task
            async def start(overrides: tuple[str, ...], command: str, confirmed: bool):
                try:
                    checked = await asyncio.to_thread(checks.check, overrides)
                    if checked.problems:
                        return checked, None, None
                    seconds = limits.estimate(checked.data, pool.workers)
                    if not confirmed and seconds is not None and seconds > limits.CONFIRM_SECONDS:
                        return checked, None, seconds
                    return checked, await asyncio.to_thread(pool.submit, session.id, checked.overrides, checked.data,
                                                            command, checked.job), seconds
                except Exception as error:                 # shown on the page, never a hang
                    return checks.Checked(tuple(overrides), None, (checks.stopped(error),)), None, None
            return start

        tasks = {"run": start_task(), "reference": start_task()}

        def launch(purpose: str, overrides: list[str], confirmed: bool = False) -> None:
            previous = jobs[purpose].get()
            if previous is not None and previous.active:
                pool.cancel(previous)
            shown_problems[purpose].set(())
            tasks[purpose](tuple(overrides), choices.command(overrides), confirmed)

        def follow(purpose: str) -> None:
            @reactive.effect
            async def _started():
                try:
                    checked, job, seconds = tasks[purpose].result()
                except SilentException:
                    raise
                except Exception as error:                 # shown on the page, never a hang
                    checked, job, seconds = checks.Checked((), None, (checks.stopped(error),)), None, None
                estimates[purpose].set(seconds)
                shown_problems[purpose].set(checked.problems)
                jobs[purpose].set(job)
                if purpose == "run":
                    asking = job is None and not checked.problems
                    pending.set((checked.overrides, seconds) if asking else None)
                    jobs["reference"].set(None)
                    with reactive.isolate():   # marks follow a check, not typing: a mended field's note stays gone
                        other = input.other() or ""
                    await mark(limits.marks(checked.problems, {**limits.RUN_FIELDS, **fields}, other))

        for purpose in jobs:
            follow(purpose)

        @reactive.effect
        @reactive.event(input.run)
        async def _run():
            pending.set(None)
            try:
                plan, overrides, problems = await page_overrides()
            except SilentException:
                raise
            except Exception as error:                     # shown on the page, never a hang
                shown_problems["run"].set((checks.stopped(error),))
                return
            if problems:                                   # an empty field is refused, never run as the default
                shown_problems["run"].set(tuple(problems.values()))
                await mark({name: limits.note(line) for name, line in problems.items()})
                return
            basis.set(plan)
            launch("run", overrides)

        @reactive.effect
        @reactive.event(input.confirm_run)
        def _confirm():
            asked = pending.get()
            pending.set(None)
            if asked is not None:
                launch("run", list(asked[0]), confirmed=True)

        @reactive.effect
        @reactive.event(input.confirm_no)
        def _decline():
            pending.set(None)

        @reactive.effect
        @reactive.event(input.cancel)
        def _cancel():
            pending.set(None)
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
                snapshot = None if job is None else (job.id, job.state, job.stopping, job.finished, job.total, pool.ahead(job))
                active = active or (job is not None and (job.active or job.stopping))
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

        def spread_of(run):
            year = shown_year() or int(run.config["run"]["year"])
            return spread.for_run(run.overrides, run.config["scenario"].get("name", ""), year, study)

        def shown_year() -> int | None:
            return int(input.year_shown()) if "year_shown" in input and input.year_shown() else None

        @render.ui
        def problems():
            return problems_view(shown_problems["run"]() + shown_problems["reference"]())

        @render.ui
        def status():
            seen["run"]()
            job = jobs["run"].get()
            return status_view(job, pool.ahead(job) if job else 0, pool.workers, tasks["run"].status() == "running",
                               estimates["run"]())

        @render.ui
        def confirm():
            asked = pending()
            return None if asked is None else confirm_view(asked[1], pool.workers)

        @render.ui
        def reference_status():
            seen["reference"]()
            job = jobs["reference"].get()
            return status_view(job, pool.ahead(job) if job else 0, pool.workers, tasks["reference"].status() == "running",
                               estimates["reference"]())

        @render.ui
        def scenario_about():
            group = by_name.get("scenario")
            chosen = input[group_id(group)]() if group else None
            text = group.descriptions.get(chosen, "") if group else ""
            return ui.p(text, class_="small text-muted") if text else None

        @render.ui
        async def capacities():
            capacities, _ = await settings()
            return [setting_input(s, loaded_values().get(s.key)) for s in capacities]

        @render.ui
        async def levers():
            _, levers = await settings()
            shown = [setting_input(s, loaded_values().get(s.key)) for s in levers]
            return shown or ui.p("This scenario has no levers.", class_="small text-muted")

        @render.ui
        async def year_choice():
            run = await this_run()
            if run is None or len(run.years) < 2:
                return None
            labels = {str(y): f"{y}/{(y + 1) % 100:02d}" for y in run.years}
            return ui.input_select("year_shown", "Financial year shown", labels, selected=str(run.years[-1]))

        @render.table
        async def what_ran():
            run = await this_run()
            req(run is not None)
            return styled(results.what_ran(run), "What was run")

        @render.ui
        async def warnings():
            run = await this_run()
            req(run is not None)
            return [ui.div(f"Warning: {w}", class_="alert alert-warning") for w in results.warnings(run)]

        @render.table
        async def headline():
            run = await this_run()
            req(run is not None)
            table = results.headline(run, shown_year(), spread_of(run))
            n = int(run.summary["replications"].max())
            return styled(table, f"Headline figures: mean of {n} replications and 95% interval")

        @render.ui
        async def headline_note():
            run = await this_run()
            req(run is not None)
            return ui.p(study.describe(), class_="small text-muted") if spread_of(run) is not None else None

        @render.table
        async def sites():
            run = await this_run()
            req(run is not None)
            table = by_site(run.summary, run.config, shown_year())
            req(not table.empty)
            return styled(table, "Headline figures by acute site: mean and 95% interval")

        @render.ui
        async def service_choice():
            run = await this_run()
            req(run is not None)
            names = results.services(run)
            selected = [s for s in SHOWN_SERVICES if s in names] or names[:1]
            return ui.input_selectize("services", "Services", results.service_labels(run, names), selected=selected, multiple=True)

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
            launch("reference", [*choices.group_overrides(chosen), *plan.run, *plan.other],
                   confirmed=True)                        # the size of the run the user has already run

        @render.table
        async def comparison():
            table = await paired()
            view = results.comparison_view(table, await headline_names(), shown_year(), (await this_run()).config)
            return styled(view, f"This run minus {reference_name()}: paired differences and 95% intervals")

        @render.plot(alt="Forest plot: change of each headline figure from the reference, with 95% intervals")
        async def forest():
            table = await paired()
            return results.forest_figure(table, await headline_names(), reference_name(), shown_year(),
                                         (await this_run()).config)

        async def chosen_config() -> dict:
            return (await asyncio.to_thread(_composed, tuple(choices.group_overrides(chosen_groups()))))[1]

        pathway_tab.register(this_run, chosen_config)
        settings_file.register(input, groups, run_defaults, page_overrides, settings_for, loaded, shown_problems["run"])
        downloads.register(jobs, seen["run"], this_run, paired, reference_name)

    return server
