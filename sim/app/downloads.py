"""The Downloads tab: a run's tables as CSV, its report, its resolved configuration, and the commands that rerun it.

The CSV files are the ones the command-line job wrote (``summary.csv``, ``replications.csv``,
``daily.csv``, ``flows.csv``), unchanged; ``comparison.csv`` is the paired comparison the Compare tab
shows (every metric); ``report.html`` and ``report.pdf`` are the one-page report ``carepath report``
writes (:mod:`sim.jobs.one_page`), of the run against the reference once *Compare* has run it;
``config.yaml`` is the resolved configuration, which
``python -m sim --config-path "$PWD" --config-name config`` runs again from the folder it is saved in.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from shiny import reactive, render, req, ui

from ..jobs import one_page
from . import results
from .jobs import DONE

#: the files a run wrote, offered as they are
TABLES = {"summary.csv": "Summary: every metric, mean and 95% interval",
          "replications.csv": "Every metric in every replication",
          "daily.csv": "Daily occupancy, waiting lists and blocking, by service",
          "flows.csv": "Patients between services",
          "metrics.csv": "What each metric is: its label, unit and whether higher or lower is better"}
CONFIG_COMMAND = 'python -m sim --config-path "$PWD" --config-name config'


def _button(target: str, label: str) -> ui.Tag:
    return ui.download_button(target, label, class_="btn-outline-primary btn-sm mb-2 me-2")


def output_id(name: str) -> str:
    """The page's download output for one of the run's files."""
    return "download_" + name.replace(".", "_")


def report(run_dir: Path, reference_dir: Path | None, reference: str) -> tuple[Path, Path]:
    """Write the run's one-page report (against the reference's run when there is one) into its folder."""
    stem = run_dir / ("report" if reference_dir is None else f"report_against_{reference}")
    return one_page.write(one_page.build(run_dir, reference_dir), stem)


def register(jobs: dict[str, reactive.Value], seen: reactive.Value, this_run, paired, reference_name) -> None:
    """Add the tab's outputs to the current session: ``jobs`` holds its run and its reference's, ``this_run``/
    ``paired`` their results and comparison (async calcs), ``reference_name`` the scenario compared against."""
    job = jobs["run"]

    def table_download(name: str):
        def download():
            finished = job.get()
            req(finished is not None and (finished.out_dir / name).is_file())
            return str(finished.out_dir / name)
        download.__name__ = output_id(name)           # the output is named by the function
        return render.download_button(filename=name, media_type="text/csv")(download)

    for name in TABLES:
        table_download(name)

    @render.download_button(filename="config.yaml", media_type="text/yaml")
    async def download_config():
        run = await this_run()
        req(run is not None)
        yield results.config_yaml(run)

    async def report_file(index: int) -> bytes:
        finished, reference = job.get(), jobs["reference"].get()
        req(finished is not None and finished.state == DONE)
        compared = reference is not None and reference.state == DONE
        written = await asyncio.to_thread(report, finished.out_dir, reference.out_dir if compared else None,
                                          reference_name())
        return written[index].read_bytes()

    @render.download_button(filename="report.html", media_type="text/html")
    async def download_report_html():
        yield await report_file(0)

    @render.download_button(filename="report.pdf", media_type="application/pdf")
    async def download_report_pdf():
        yield await report_file(1)

    @render.download_button(filename="comparison.csv", media_type="text/csv")
    async def download_comparison():
        table = await paired()
        yield table.assign(reference=reference_name()).to_csv(index=False)

    @render.ui
    async def downloads():
        seen()
        finished = job.get()
        run = await this_run()
        if finished is None or run is None:
            return ui.p("Run a configuration to download its tables and configuration.")
        buttons = [_button(output_id(name), f"{name}: {label}") for name, label in TABLES.items()]
        return ui.div(
            ui.h2("Report", class_="h5"),
            ui.div(_button("download_report_html", "report.html: one page to take to a meeting"),
                   _button("download_report_pdf", "report.pdf: the same, one A4 page")),
            ui.p("The headline, figures, what was run and the command; against the reference after Compare.",
                 class_="small text-muted"),
            ui.h2("Tables", class_="h5"), ui.div(*buttons),
            ui.h2("Comparison", class_="h5"),
            _button("download_comparison", "comparison.csv: this run minus the reference (after Compare)"),
            ui.h2("Configuration", class_="h5"),
            _button("download_config", "config.yaml: the resolved configuration"),
            ui.p("The same run from the command line (in the repository):"),
            ui.tags.pre(finished.command, id="command", class_="border rounded p-2"),
            ui.p("or from the downloaded configuration, in the folder where config.yaml is saved:"),
            ui.tags.pre(CONFIG_COMMAND, class_="border rounded p-2"),
            ui.p(f"Outputs on the server: {finished.out_dir}", class_="small text-muted"),
        )
