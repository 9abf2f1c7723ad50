"""The Pathway tab: the pathway of the run shown, or of the settings chosen before any run, as a diagram.

The picture is :func:`sim.analysis.pathway_diagram.diagram` of the network (``carepath pathway`` draws the
same from the command line): the demand streams, the services in the order patients reach them, and the
ends of journeys, an arrow for every route.  It is inline SVG, so its words are the page's own text (a
screen reader reads the services, and a browser's find finds them).
"""
from __future__ import annotations

from shiny import render, ui

from ..analysis.pathway_diagram import diagram

NOTE = ("Where demand arrives (blue), the services in the order patients reach them (orange) and the ends of journeys "
        "(grey); an arrow for every route any patient can take, dashed red where a patient who gives up waiting goes, "
        "dashed purple for a route back to an earlier step.")


def register(this_run, chosen_config) -> None:
    """Add the tab's output to the current session: ``this_run`` (async calc) gives the finished run, if
    any; ``chosen_config`` (async) the resolved configuration of the settings chosen."""

    @render.ui
    async def pathway():
        run = await this_run()
        network = run.config["network"] if run is not None else (await chosen_config())["network"]
        where = "the run shown" if run is not None else "the settings chosen (no run yet)"
        return ui.div(ui.p(f"The pathway of {where}. {NOTE}", class_="small text-muted"),
                      ui.div(ui.HTML(diagram(network)), style="overflow-x:auto", id="pathway-diagram"))
