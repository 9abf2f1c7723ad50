"""carepath in a web browser: choose, run, read, compare and download without writing code.

    python -m sim.app                      # serves http://127.0.0.1:8050 (it prints the address)
    python -m sim.app --port 8080 --host 0.0.0.0 --workers 2

The app (Shiny for Python) offers what the configs offer -- places, years, scenarios, capacity presets
and policies, responses to pressure, every place count and lever intensity with its unit, default and
source -- and runs the configuration exactly as ``python -m sim`` with the same overrides would: the
command line's checks (:mod:`sim.app.checks`), the command line's job in a worker process
(:mod:`sim.app.worker`), its cache and its output files, which the page then reads
(:mod:`sim.app.results`).  Runs from every session share a cap on busy cores and queue beyond it
(:mod:`sim.app.jobs`).

Modules: :mod:`~sim.app.choices` (what may be chosen, and the overrides it makes), :mod:`~sim.app.page`
(the layout), :mod:`~sim.app.server` (what the page does), :mod:`~sim.app.downloads` (with the one-page
report), :mod:`~sim.app.pathway_tab`, :mod:`~sim.app.settings_file` (save and load the settings),
:mod:`~sim.app.spread` (P10 and P90 of the committed uncertainty study).
"""
from __future__ import annotations

from pathlib import Path

from ..jobs.runner import available_cores

DEFAULT_OUTPUTS = Path("outputs") / "app"


def create_app(workers: int | None = None, outputs: Path | str = DEFAULT_OUTPUTS):
    """The Shiny application, its runs sharing ``workers`` cores (default: every core this process may use)
    and writing under ``outputs/<session>/<run>/``."""
    from shiny import App

    from .checks import composed
    from .choices import offered_groups
    from .jobs import Pool
    from .page import page
    from .server import make_server

    pool = Pool(workers or available_cores(), outputs)
    groups = offered_groups()
    run_defaults = composed(())[1]["run"]
    app = App(page(groups, run_defaults), make_server(pool, groups, run_defaults))
    app.on_shutdown(pool.shutdown)
    app.pool = pool
    return app
