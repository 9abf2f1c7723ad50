"""A finished job's outputs as the page shows them: tables with intervals, figures, comparisons.

Everything is read back from the files the command-line job wrote (``summary.csv``, ``replications.csv``,
``daily.csv``, ``manifest.json``), through :func:`sim.jobs.cache.load_results` into a
:class:`sim.api.Run`, so the page shows exactly what ``python -m sim`` writes and prints.  Whatever the
outputs hold is shown: a ``year`` column (a continuous multi-year run), the ``unstable`` flag of a metric
that is not an estimate, and the P10/P90 of the committed uncertainty study for a run it describes
(:mod:`sim.app.spread`).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import yaml

from ..analysis import figures, labels, report
from ..api import Run
from ..jobs.cache import load_results

#: daily series the page can draw, as the outputs name them, and what each counts
MEASURES = {"occupancy_mean": "places in use", "queue_mean": "waiting list (patients)",
            "blocked_mean": "patients ready to leave but waiting for the next service",
            "surge_mean": "escalation places in use", "corridor_mean": "patients in corridor care"}
#: cost metrics by what they add up (setting, commissioner) and the totals
COST_PATTERNS = {"setting": re.compile(r"cost_(?!share_|commissioner_)(\w+)_gbp"),
                 "commissioner": re.compile(r"cost_commissioner_(\w+)_gbp"),
                 "total": re.compile(r"(?:total|system)_cost_gbp")}
UNSTABLE_NOTE = "not an estimate: its waiting list grows without levelling off"


def load(out_dir: Path | str, overrides: tuple[str, ...] = ()) -> Run:
    """The results a finished job wrote to ``out_dir``."""
    out_dir = Path(out_dir)
    config = json.loads((out_dir / "manifest.json").read_text())["config"]
    return Run(load_results(out_dir, config), tuple(overrides))


def _in_year(table: pd.DataFrame, year: int | None) -> pd.DataFrame:
    return table[table["year"] == year] if "year" in table.columns and year is not None else table


def headline(run: Run, year: int | None = None, spread: pd.DataFrame | None = None) -> pd.DataFrame:
    """The network's headline figures: each by its label and unit, mean, 95% interval over replications, P10/P90
    of the uncertainty analysis when ``spread`` has them, a note on a figure that is not an estimate
    (``unstable``), and the metric's machine name (as summary.csv names it) last."""
    summary = _in_year(run.summary, year).set_index("metric")
    metrics = [m for m in report.headline_metrics(run.config["network"], summary.index) if m in summary.index]
    names = labels.Labels(run.config)
    rows = []
    for metric in metrics:
        r, described = summary.loc[metric], names.describe(metric)
        row = {"measure": described.label, "unit": described.unit, "mean": report.number(r["mean"]),
               "95% interval": f"{report.number(r['ci_low'])} to {report.number(r['ci_high'])}" if not math.isnan(r["ci_low"]) else "-"}
        if spread is not None:
            row["P10"] = report.number(spread["P10"].get(metric, float("nan")))
            row["P90"] = report.number(spread["P90"].get(metric, float("nan")))
        row["note"] = UNSTABLE_NOTE if bool(r.get("unstable", False)) else ""
        row["metric"] = metric
        rows.append(row)
    return pd.DataFrame(rows)


def warnings(run: Run) -> list[str]:
    """The command line's overload warnings for this run."""
    return report.overload_warnings(run.summary)


def costs(run: Run, year: int | None = None) -> pd.DataFrame:
    """Cost by setting and by commissioner (pounds, 95% intervals), then the totals the run reports
    (``total_cost_gbp``, and ``system_cost_gbp`` where the network defines a whole-system cost)."""
    summary = _in_year(run.summary, year)
    rows = []
    for r in summary.itertuples():
        for kind, pattern in COST_PATTERNS.items():
            if match := pattern.fullmatch(r.metric):
                name = (match.group(1) if match.groups() else r.metric.removesuffix("_gbp")).replace("_", " ")
                rows.append({"by": kind, "name": name, "cost (£)": report.number(r.mean),
                             "95% interval": f"{report.number(r.ci_low)} to {report.number(r.ci_high)}", "value": r.mean})
    frame = pd.DataFrame(rows, columns=["by", "name", "cost (£)", "95% interval", "value"])
    order = {kind: i for i, kind in enumerate(COST_PATTERNS)}
    return frame.sort_values("by", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def costs_figure(table: pd.DataFrame):
    """Cost by setting and by commissioner as horizontal bars (pounds per year of results)."""
    figures.apply_style()
    import matplotlib.pyplot as plt
    parts = [table[table["by"] == kind] for kind in ("setting", "commissioner")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    for ax, part, title in zip(axes, parts, ("By setting", "By commissioner")):
        ax.barh(part["name"], part["value"] / 1e6)
        ax.invert_yaxis()
        ax.set(title=title, xlabel="£ million")
    return fig


def services(run: Run) -> list[str]:
    """The services with a daily series, in the order the outputs list them."""
    return list(dict.fromkeys(run.daily["service"])) if not run.daily.empty else []


def service_labels(run: Run, names: list[str]) -> dict[str, str]:
    """Each service by its label with its machine name beside it (``acute`` -> "General and acute beds (acute)")."""
    described = labels.Labels(run.config)
    return {name: f"{described.service(name)} ({name})" for name in names}


def over_time_figure(run: Run, chosen: list[str], measure: str):
    """The daily ``measure`` of the chosen services over the results period, 95% bands across replications,
    each service by its label, with its places as a dashed line when it draws places in use."""
    services_cfg = run.config["network"].get("services") or {}
    capacity = {s: services_cfg[s]["capacity"] for s in chosen
                if isinstance(services_cfg.get(s, {}).get("capacity"), (int, float))} if measure == "occupancy_mean" else None
    label = MEASURES.get(measure, measure)
    described = labels.Labels(run.config)
    return figures.occupancy_over_time(run.daily, chosen, capacity, measure=measure, title=label.capitalize(), ylabel=label,
                                       names={s: described.service(s) for s in chosen})


def comparison(run: Run, reference: Run, metrics: list[str]) -> pd.DataFrame:
    """This run minus the reference, replication by replication (common random numbers): every metric."""
    table = run.compare(reference).reset_index()
    order = {m: i for i, m in enumerate(metrics)}
    table["order"] = table["metric"].map(lambda m: order.get(m, len(order)))
    return table.sort_values(["order", "metric"]).drop(columns="order").reset_index(drop=True)


def comparison_view(table: pd.DataFrame, metrics: list[str], year: int | None = None,
                    config: dict | None = None) -> pd.DataFrame:
    """The headline rows of a comparison, formatted: each by its label and unit, the difference and its 95%
    interval, the change (in points for a percentage, else relative) and whether it is better or worse by
    what the measure aims for (``config``: the run's configuration, for the labels)."""
    table = _in_year(table, year)
    table = table[table["metric"].isin(metrics)]
    shown = report.number
    names = labels.Labels(config)
    described = [names.describe(m) for m in table["metric"]]
    rows = [r for _, r in table.iterrows()]
    return pd.DataFrame({"measure": [d.label for d in described], "unit": [d.unit for d in described],
                         "difference": table["difference"].map(shown).to_list(),
                         "95% interval": [f"{shown(lo)} to {shown(hi)}" for lo, hi in zip(table["ci_low"], table["ci_high"])],
                         "change": [report.change(r, d) or "-" for r, d in zip(rows, described)],
                         "better or worse": [report.judgement(r["difference"], r["ci_low"], r["ci_high"], d.direction)
                                             for r, d in zip(rows, described)],
                         "metric": table["metric"].to_list()})


def forest_figure(table: pd.DataFrame, metrics: list[str], reference: str, year: int | None = None,
                  config: dict | None = None):
    """The headline differences with their 95% intervals, as percentages of the reference (a forest plot), each
    by its label (``config``: the run's configuration)."""
    data = _in_year(table, year).assign(scenario="this run")
    shown = [m for m in metrics if m in set(data["metric"]) and not math.isnan(data.set_index("metric")["relative_pct"].get(m))]
    names = labels.Labels(config)
    return figures.differences(data, shown, title=f"Change from {reference}",
                               labels={m: names.describe(m).label for m in shown})


def what_ran(run: Run) -> pd.DataFrame:
    """What the results are of: place, year(s), scenario, capacity presets, the settings changed from the
    defaults, replications and seed (``setting, value`` rows, for the top of the results)."""
    config, run_cfg = run.config, run.config["run"]
    place = config.get("place") or {}
    scenario = config.get("scenario") or {}
    presets = scenario.get("capacity") or {}
    years = [f"{y}/{(y + 1) % 100:02d}" for y in run.years]
    shown = ("place=", "scenario=", "scenario/capacity=", "run.year=", "run.end_year=", "run.replications=",
             "run.seed=", "run.n_jobs=")
    changed = [o for o in run.overrides if not o.startswith(shown)]
    rows = [("Place", place.get("label") or place.get("name", "")),
            ("Financial year" + ("s" if len(years) > 1 else ""), f"{years[0]} to {years[-1]}" if len(years) > 1 else years[0]),
            ("Scenario", " - ".join(str(x) for x in (scenario.get("name"), scenario.get("description")) if x)),
            ("Capacity presets", presets.get("label") or "current"),
            ("Settings changed from the defaults", ", ".join(changed) or "none"),
            ("Replications", str(int(run_cfg["replications"]))),
            ("Seed", str(run_cfg["seed"]))]
    return pd.DataFrame(rows, columns=["setting", "value"])



def config_yaml(run: Run) -> str:
    """The resolved configuration as YAML: ``python -m sim --config-path <its folder> --config-name <its name>``
    runs it again (the workers' count is left for the command line to choose)."""
    config = json.loads(json.dumps(run.config, default=str))
    config["run"]["n_jobs"] = "auto"
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
