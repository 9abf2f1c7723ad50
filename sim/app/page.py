"""The page: what a user chooses in the sidebar, what a run shows in the tabs.

The choices are built from what the configs offer (:mod:`sim.app.choices`); the place counts and lever
intensities change with the place and scenario, so the server draws them (``capacities``, ``levers``).
Every control has a visible label; each setting's unit, default and source show on hover or keyboard
focus of the (i) beside its label, and are read out as its description.  A field the checks refuse is
marked, with the problem beside it (:data:`FIELD_PROBLEMS`, the server's ``field_problems`` message),
until it is changed.
"""
from __future__ import annotations

from htmltools import Tag
from shiny import ui

from .choices import MULTIPLE, Group, Setting, years

TITLE = "carepath: health and care pathways"
RESULT_TABS = ("Headline", "Over time", "Costs", "Compare", "Pathway", "Downloads")
#: marks each field the server names (input id -> problem) as invalid, the problem beside it and read out
#: as its description; a mark goes when its field changes or the next check clears it
FIELD_PROBLEMS = """
function carepathUnmark(field) {
  var note = document.getElementById(field.id + "-problem");
  if (note) note.remove();
  field.classList.remove("is-invalid");
  field.removeAttribute("aria-invalid");
  field.removeAttribute("aria-describedby");
}
Shiny.addCustomMessageHandler("field_problems", function(problems) {
  document.querySelectorAll("[aria-invalid=true]").forEach(carepathUnmark);
  Object.keys(problems).forEach(function(id) {
    var field = document.getElementById(id);
    if (!field) return;
    var note = document.createElement("div");
    note.id = id + "-problem";
    note.className = "invalid-feedback d-block field-problem";
    note.textContent = problems[id];
    field.classList.add("is-invalid");
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", note.id);
    field.insertAdjacentElement("afterend", note);
  });
});
document.addEventListener("input", function(event) {
  if (event.target.getAttribute && event.target.getAttribute("aria-invalid") === "true") carepathUnmark(event.target);
});
"""


def about(text: str, subject: str) -> Tag:
    """An (i) that shows ``text`` on hover and on keyboard focus."""
    return ui.tooltip(ui.tags.span("i", tabindex="0", role="img", aria_label=f"About {subject}",
                                   class_="about ms-1 text-primary"), text, placement="right")


def setting_input(setting: Setting, value: float | None = None) -> Tag:
    """A number input for one setting, labelled with its name and unit, its source on hover."""
    unit = "places" if setting.whole else "0 to 1"
    label = ui.span(f"{setting.label} ({unit})", about(setting.hint, setting.label))
    step = 1 if setting.whole else 0.05
    return ui.input_numeric(setting.input_id, label, setting.default if value is None else value,
                            min=setting.minimum, max=setting.maximum, step=step, width="100%")


def group_input(group: Group) -> Tag:
    """The choice of a config group's option (several at once for presets)."""
    described = "; ".join(f"{group.options[o]}: {d}" for o, d in group.descriptions.items() if d)
    label = ui.span(group.label, about(described, group.label)) if described else group.label
    if group.name in MULTIPLE:
        return ui.input_checkbox_group(_group_id(group.name), label, group.options, selected=group.default)
    return ui.input_select(_group_id(group.name), label, group.options, selected=group.default, width="100%")


def _group_id(name: str) -> str:
    return "group_" + name.replace("/", "__")


def group_id(group: Group) -> str:
    """The page's input for a config group."""
    return _group_id(group.name)


def sidebar(groups: list[Group], run_defaults: dict) -> ui.Sidebar:
    year_choices = {str(y): f"{y}/{(y + 1) % 100:02d}" for y in years()}
    end_choices = {"": "(one year)", **year_choices}
    where = [g for g in groups if g.name == "place"]
    what = [g for g in groups if g.name != "place"]
    return ui.sidebar(
        ui.accordion(
            ui.accordion_panel(
                "Place and years",
                *[group_input(g) for g in where],
                ui.input_select("year", "Financial year", year_choices, selected=str(run_defaults["year"]), width="100%"),
                ui.input_select("end_year", ui.span("Run on to the end of", about(
                    "A continuous run over several financial years: queues and patients in beds carry over from "
                    "one year to the next, and every figure is given per year (run.end_year).", "the end year")),
                    end_choices, selected=str(run_defaults.get("end_year") or ""), width="100%"),
            ),
            ui.accordion_panel("Scenario", *[group_input(g) for g in what], ui.output_ui("scenario_about")),
            ui.accordion_panel("Capacities", ui.output_ui("capacities")),
            ui.accordion_panel("Levers", ui.output_ui("levers")),
            ui.accordion_panel(
                "Run settings",
                ui.input_numeric("replications", ui.span("Replications", about(
                    "Independent runs with different random numbers; the intervals are 95% intervals over "
                    f"them, each within its figure's possible range (run.replications, default {run_defaults['replications']}).",
                    "replications")),
                    run_defaults["replications"], min=1, step=1, width="100%"),
                ui.input_numeric("seed", ui.span("Seed", about(
                    "The same seed gives the same numbers on any machine (run.seed).", "the seed")),
                    run_defaults["seed"], min=0, step=1, width="100%"),
                ui.input_text_area("other", ui.span("Other settings", about(
                    "Any further overrides in the command line's syntax, separated by spaces, e.g. "
                    "run.horizon_days=120 run.warmup_days=30. They apply to the comparison's reference too.",
                    "other settings")), "", rows=2, width="100%", placeholder="key=value key=value"),
            ),
            id="sections", open=["Place and years", "Capacities"], multiple=True,
        ),
        ui.div(
            ui.input_action_button("run", "Run", class_="btn-primary"),
            ui.input_action_button("cancel", "Cancel", class_="btn-outline-secondary"),
            class_="d-flex gap-2",
        ),
        ui.div(
            ui.download_button("download_settings", "Save settings", class_="btn-outline-primary btn-sm"),
            ui.input_file("settings_upload", ui.span("Load settings", about(
                "A settings file saved by Save settings (settings.yaml: the overrides of carepath run): its choices "
                "fill the page's fields, ready to run.", "loading settings")), accept=[".yaml", ".yml"],
                button_label="Choose a file", width="100%"),
            class_="mt-2",
        ),
        width=380, title="Choose", open="always",
    )


def reference_input(groups: list[Group]) -> Tag | None:
    """The choice of the comparison's reference scenario (baseline unless the configs lack it)."""
    scenario = next((g for g in groups if g.name == "scenario"), None)
    if scenario is None:
        return None
    selected = "baseline" if "baseline" in scenario.options else scenario.default
    return ui.input_select("reference", "Reference scenario", scenario.options, selected=selected)


def main_area(groups: list[Group]) -> list:
    return [
        ui.div(ui.output_ui("problems"), role="alert", aria_live="assertive"),
        ui.div(ui.output_ui("status"), role="status", aria_live="polite"),
        ui.output_ui("confirm"),
        ui.div(ui.output_table("what_ran"), id="what-ran"),
        ui.output_ui("year_choice"),
        ui.navset_card_tab(
            ui.nav_panel("Headline", ui.output_ui("warnings"), ui.output_table("headline"), ui.output_ui("headline_note"),
                         ui.output_table("sites")),
            ui.nav_panel("Over time",
                         ui.div(ui.output_ui("service_choice"), ui.output_ui("measure_choice"), class_="d-flex gap-3"),
                         ui.output_plot("over_time", height="420px")),
            ui.nav_panel("Costs", ui.output_table("costs"), ui.output_plot("costs_plot", height="320px")),
            ui.nav_panel("Compare",
                         ui.p("Compare this run with a reference: the same place, years, run settings and other "
                              "settings, with the reference scenario's own levers and every place count at its "
                              "default. Both runs use the same random numbers, so the differences are paired."),
                         ui.div(reference_input(groups),
                                ui.input_action_button("compare", "Compare", class_="btn-primary align-self-end"),
                                class_="d-flex gap-3"),
                         ui.div(ui.output_ui("reference_status"), role="status", aria_live="polite"),
                         ui.output_table("comparison"), ui.output_plot("forest", height="440px")),
            ui.nav_panel("Pathway", ui.output_ui("pathway")),
            ui.nav_panel("Downloads", ui.output_ui("downloads")),
            id="tabs",
        ),
    ]


def page(groups: list[Group], run_defaults: dict) -> Tag:
    """The whole page."""
    style = ui.tags.style(".about{cursor:help;display:inline-block;width:1.15em;height:1.15em;border:1px solid;"
                          "border-radius:50%;text-align:center;font:italic bold .75em/1.1em serif;vertical-align:middle}"
                          " .shiny-table td,.shiny-table th{padding:.25rem .6rem}"
                          " progress{width:100%;height:1.1rem} caption{caption-side:top;color:inherit;font-weight:600}")
    return ui.page_sidebar(sidebar(groups, run_defaults), *main_area(groups), style, ui.tags.script(FIELD_PROBLEMS),
                           title=TITLE, window_title="carepath", lang="en", fillable=False)
