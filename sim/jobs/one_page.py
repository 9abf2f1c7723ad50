"""``carepath report OUTDIR``: a one-page report of a run, or of a run against a reference, as HTML and PDF.

``carepath report OUTDIR [--reference OUTDIR] [--out NAME]``: something to take to a meeting.

    carepath run run.replications=5 hydra.run.dir=outputs/base
    carepath run run.replications=5 scenario=uk_comparator hydra.run.dir=outputs/uk
    carepath report outputs/base                              # outputs/base/report.html and report.pdf
    carepath report outputs/uk --reference outputs/base       # the scenario against the baseline

The page holds what was run (place, financial year or years, scenario, capacity presets, the settings
changed from the defaults, replications and seed), the command that gives the same numbers, the network's
headline figures by their labels and units with 95% intervals (:mod:`sim.analysis.statistics`), and
figures: the daily places in use of the busiest services with their places, and, against a reference, the
change in each headline figure with its paired 95% interval (replication by replication, common random
numbers), in points for a percentage, marked better or worse.  A multi-year run is reported for its
last year.  The HTML is one self-contained file (figures inlined); the PDF is one A4 page drawn by
matplotlib.  Both are written into OUTDIR (``--out`` names them otherwise: ``--out meeting`` writes
``meeting.html`` and ``meeting.pdf``).  Exit status: 0; 2 when OUTDIR (or the reference) holds no
finished run, or the two are of different networks (nothing written).
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import math
import shlex
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.backends.backend_pdf import PdfPages

from ..analysis import figures, labels, report
from ..analysis.comparison import paired_comparison
from ..analysis.sites import by_site
from ..common.files import atomic_write
from .cache import load_results

#: overrides the equivalent command leaves out: where Hydra writes, how many cores run it (not the numbers)
NOT_SHOWN = ("hydra.", "run.n_jobs=")
#: overrides shown in their own rows of "what was run"
OWN_ROWS = ("place=", "scenario=", "scenario/capacity=", "run.year=", "run.end_year=", "run.replications=", "run.seed=")
BUSIEST = 3
A4 = (8.27, 11.69)


class NotARun(ValueError):
    """A folder that holds no finished run (no ``manifest.json`` and ``summary.csv``)."""


@dataclass
class Page:
    """What one report shows, ready to write as HTML or PDF."""

    title: str
    what_ran: list[tuple[str, str]]
    command: str
    caption: str
    headline: pd.DataFrame
    figures: list[tuple[str, bytes]]        # (caption, PNG)
    sites: pd.DataFrame | None = None       # the headline by acute site, for a place with several


def overrides_of(out_dir: Path, manifest: Mapping[str, Any]) -> list[str]:
    """The overrides a run was given: Hydra's record of them, else those on its recorded command line."""
    recorded = out_dir / ".hydra" / "overrides.yaml"
    if recorded.is_file():
        return [str(o) for o in yaml.safe_load(recorded.read_text()) or []]
    return [t for t in shlex.split(str(manifest.get("command", ""))) if "=" in t and not t.startswith("-")]


def load(out_dir: Path | str):
    """(results, overrides) of the finished run in ``out_dir``."""
    out_dir = Path(out_dir)
    if not (out_dir / "manifest.json").is_file() or not (out_dir / "summary.csv").is_file():
        raise NotARun(f"{out_dir}: no finished run here (manifest.json and summary.csv)")
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return load_results(out_dir, manifest["config"]), overrides_of(out_dir, manifest)


def command(overrides: list[str]) -> str:
    """The command line that gives the same numbers."""
    kept = [o for o in overrides if not o.startswith(NOT_SHOWN)]
    return " ".join(["carepath run", *(shlex.quote(o) for o in kept)])


def financial_years(years: list[int]) -> str:
    shown = [f"{y}/{(y + 1) % 100:02d}" for y in years]
    return f"{shown[0]} to {shown[-1]}" if len(shown) > 1 else shown[0]


def years_of(summary: pd.DataFrame, config: Mapping[str, Any]) -> list[int]:
    """The financial years a run reports (one unless it ran on over several)."""
    if "year" in summary.columns:
        return sorted(int(y) for y in summary["year"].unique())
    return [int(config["run"]["year"])]


def what_ran(config: Mapping[str, Any], overrides: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``(setting, value)`` rows: place, year(s), scenario, capacity presets, the settings changed from the
    defaults, replications and seed."""
    place, scenario = config.get("place") or {}, config.get("scenario") or {}
    summary_years = [int(config["run"]["year"])]
    if config["run"].get("end_year"):
        summary_years = list(range(int(config["run"]["year"]), int(config["run"]["end_year"]) + 1))
    changed = [o for o in overrides if not o.startswith(OWN_ROWS) and not o.startswith(NOT_SHOWN)]
    return [("Place", str(place.get("label") or place.get("name", ""))),
            ("Financial year" + ("s" if len(summary_years) > 1 else ""), financial_years(summary_years)),
            ("Scenario", " - ".join(str(x) for x in (scenario.get("name"), scenario.get("description")) if x)),
            ("Capacity presets", str((scenario.get("capacity") or {}).get("label") or "current")),
            ("Settings changed from the defaults", ", ".join(changed) or "none"),
            ("Replications", str(int(config["run"]["replications"]))),
            ("Seed", str(config["run"]["seed"]))]


def _last_year(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["year"] == table["year"].max()].drop(columns="year") if "year" in table.columns else table


def headline_table(summary: pd.DataFrame, config: Mapping[str, Any]) -> pd.DataFrame:
    """The headline figures: measure, unit, mean, 95% interval, machine name."""
    summary = _last_year(summary).set_index("metric")
    names = labels.Labels(config)
    rows = []
    for metric in report.headline_metrics(config["network"], summary.index):
        r, d = summary.loc[metric], names.describe(metric)
        interval = "-" if math.isnan(r["ci_low"]) else f"{report.number(r['ci_low'])} to {report.number(r['ci_high'])}"
        rows.append((d.label, d.unit, report.number(r["mean"]), interval, metric))
    return pd.DataFrame(rows, columns=["measure", "unit", "mean", "95% interval", "metric"])


def comparison_table(comparison: pd.DataFrame, summary: pd.DataFrame, reference: pd.DataFrame,
                     config: Mapping[str, Any]) -> pd.DataFrame:
    """The headline figures of a run and its reference, the paired difference, its 95% interval, the change
    (in points for a percentage) and whether it is better or worse."""
    diff, mine, theirs = (_last_year(t).set_index("metric") for t in (comparison, summary, reference))
    names = labels.Labels(config)
    rows = []
    for metric in report.headline_metrics(config["network"], diff.index):
        r, d = diff.loc[metric], names.describe(metric)
        rows.append((d.label, d.unit, report.number(mine.loc[metric, "mean"]), report.number(theirs.loc[metric, "mean"]),
                     report.number(r["difference"]), f"{report.number(r['ci_low'])} to {report.number(r['ci_high'])}",
                     report.change(r, d) or "-", report.judgement(r["difference"], r["ci_low"], r["ci_high"], d.direction) or "-",
                     metric))
    return pd.DataFrame(rows, columns=["measure", "unit", "this run", "reference", "difference", "95% interval",
                                       "change", "better or worse", "metric"])


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def occupancy_png(results, config: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """The daily places in use of the busiest services (by mean places in use), each with its places."""
    daily = results.daily
    if daily is None or daily.empty:
        return None
    busiest = daily[daily["period"] == "results"].groupby("service")["occupancy_mean"].mean().nlargest(BUSIEST).index.tolist()
    services = config["network"].get("services") or {}
    capacity = {s: services[s]["capacity"] for s in busiest if isinstance((services.get(s) or {}).get("capacity"), (int, float))}
    named = labels.Labels(config)
    fig = figures.occupancy_over_time(daily, busiest, capacity, title="Places in use each day", ylabel="places in use",
                                      names={s: named.service(s) for s in busiest})
    return ("Places in use each day (mean over replications, 95% band); dashed: the service's places "
            "(a line above it is escalation beds in use).", _png(fig))


def forest_png(comparison: pd.DataFrame, config: Mapping[str, Any], reference: str) -> tuple[str, bytes] | None:
    """Each headline figure's change from the reference, as a share of it, with its paired 95% interval."""
    data = _last_year(comparison).assign(scenario="this run")
    relative = data.set_index("metric")["relative_pct"]
    shown = [m for m in report.headline_metrics(config["network"], data["metric"]) if math.isfinite(relative.get(m, math.nan))]
    if not shown:
        return None
    names = labels.Labels(config)
    fig = figures.differences(data, shown, title=f"Change from {reference}", labels={m: names.describe(m).label for m in shown})
    return (f"Change from {reference} (% of the reference's figure, paired 95% interval).", _png(fig))


def build(out_dir: Path | str, reference_dir: Path | str | None = None) -> Page:
    """The report of the run in ``out_dir`` (against the run in ``reference_dir`` when given)."""
    results, overrides = load(out_dir)
    config = results.config
    years = years_of(results.summary, config)
    place = (config.get("place") or {}).get("label") or (config.get("place") or {}).get("name", "")
    scenario = (config.get("scenario") or {}).get("name", results.scenario)
    shown = [p for p in (occupancy_png(results, config),) if p]
    caption = (f"Headline figures, {financial_years(years[-1:])}: mean over {int(config['run']['replications'])} "
               "replications with its 95% interval (each within the figure's possible range).")
    title = f"carepath: {place}, {financial_years(years)}, {scenario}"
    if reference_dir is None:
        return Page(title, what_ran(config, overrides), command(overrides), caption,
                    headline_table(results.summary, config), shown, by_site(results.summary, config))
    theirs, their_overrides = load(reference_dir)
    if theirs.config["network"].get("name") != config["network"].get("name"):
        raise NotARun(f"{reference_dir}: a run of another network ({theirs.config['network'].get('name')}), not comparable")
    name = (theirs.config.get("scenario") or {}).get("name", theirs.scenario)
    pair = pd.concat([results.replications.assign(scenario="this"), theirs.replications.assign(scenario="reference")],
                     ignore_index=True)
    comparison = paired_comparison(pair, "reference")
    forest = forest_png(comparison, config, name)
    rows = [*what_ran(config, overrides), ("Reference", f"{name}: {command(their_overrides)}")]
    caption = (f"Headline figures, {financial_years(years[-1:])}: this run and the reference ({name}), and this run "
               "minus the reference replication by replication (common random numbers) with its 95% interval; "
               "the change in points for a percentage, else relative; better or worse by what the measure aims for.")
    return Page(f"{title} against {name}", rows, command(overrides), caption,
                comparison_table(comparison, results.summary, theirs.summary, config),
                [*([forest] if forest else []), *shown])


STYLE = """body{font-family:Helvetica,Arial,sans-serif;max-width:60rem;margin:1.5rem auto;color:#222;font-size:.9rem}
h1{font-size:1.3rem}h2{font-size:1rem;margin-top:1.2rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.2rem .45rem;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}code,pre{background:#f4f4f4;padding:.3rem;white-space:pre-wrap}
img{max-width:100%}figcaption,.caption{color:#555;font-size:.85rem}.metric{color:#777;font-family:monospace}"""
NUMERIC = ("mean", "this run", "reference", "difference", "95% interval", "change")


def html_table(table: pd.DataFrame, table_id: str) -> str:
    """A table as HTML: numbers to the right, the machine names in grey."""
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(
        f'<td class="{"n" if c in NUMERIC else "metric" if c == "metric" else ""}">{escape(str(v))}</td>'
        for c, v in row.items()) + "</tr>" for _, row in table.iterrows())
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def html(page: Page) -> str:
    """The page as one self-contained HTML document."""
    ran = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in page.what_ran)
    sites = ""
    if page.sites is not None and not page.sites.empty:
        sites = "<h2>By acute site</h2>" + html_table(page.sites, "sites") + "\n"
    shown = "".join(f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
                    f"<figcaption>{escape(caption)}</figcaption></figure>" for caption, png in page.figures)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(page.title)}</title>'
            f"<style>{STYLE}</style></head><body>\n<h1>{escape(page.title)}</h1>\n"
            f'<h2>What was run</h2><table id="what-ran">{ran}</table>\n'
            f'<p>The same numbers from the command line:</p><pre id="command">{escape(page.command)}</pre>\n'
            f'<h2>Headline</h2><p class="caption">{escape(page.caption)}</p>{html_table(page.headline, "headline")}\n'
            f"{sites}<h2>Figures</h2>{shown}\n</body></html>\n")


def sheet(page: Page):
    """The page drawn on one A4 matplotlib figure."""
    fig = plt.figure(figsize=A4)
    fig.text(0.06, 0.965, page.title, fontsize=12, weight="bold", va="top")
    lines = [f"{k}: {v}" for k, v in page.what_ran] + [f"Command: {page.command}"]
    text = "\n".join(_wrapped(line, 130) for line in lines)
    fig.text(0.06, 0.94, text, fontsize=6.5, va="top", family="DejaVu Sans")
    height = 0.018 * (len(page.headline) + 1)
    top = 0.94 - 0.0105 * text.count("\n") - 0.05
    fig.text(0.06, top + 0.012, _wrapped(page.caption, 150), fontsize=6.5, va="bottom", style="italic")
    table_ax = fig.add_axes((0.06, top - height, 0.88, height))
    table_ax.axis("off")
    shown = page.headline.drop(columns="metric")
    text_cells = shown.astype(str).to_numpy().tolist()
    widths = [max(len(str(c)), *(len(row[i]) for row in text_cells)) + 2 for i, c in enumerate(shown.columns)]
    cells = table_ax.table(cellText=text_cells, colLabels=list(shown.columns), cellLoc="left", colLoc="left",
                           colWidths=[w / sum(widths) for w in widths], bbox=(0, 0, 1, 1))
    cells.auto_set_font_size(False)
    cells.set_fontsize(6)
    bottom, room = 0.03, top - height - 0.05
    for i, (caption, png) in enumerate(page.figures):
        share = room / len(page.figures)
        ax = fig.add_axes((0.06, bottom + (len(page.figures) - 1 - i) * share, 0.88, share - 0.02))
        ax.imshow(plt.imread(io.BytesIO(png)))
        ax.axis("off")
        ax.set_title(caption, fontsize=6.5, loc="left", fontweight="normal")
    return fig


def pdf(page: Page, path: Path | str) -> None:
    """The page as a one-page A4 PDF."""
    fig = sheet(page)
    with PdfPages(path) as document:
        document.savefig(fig)
    plt.close(fig)


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def write(page: Page, stem: Path) -> tuple[Path, Path]:
    """Write ``stem``.html and ``stem``.pdf; return their paths."""
    html_path, pdf_path = stem.with_suffix(".html"), stem.with_suffix(".pdf")
    atomic_write(html_path, lambda tmp: Path(tmp).write_text(html(page)))
    atomic_write(pdf_path, lambda tmp: pdf(page, tmp))
    return html_path, pdf_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carepath report", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=__doc__.split("\n", 1)[1].strip("\n"))
    parser.add_argument("out_dir", metavar="OUTDIR", type=Path, help="a finished run's outputs folder")
    parser.add_argument("--reference", metavar="OUTDIR", type=Path, help="a finished run to compare with")
    parser.add_argument("--out", metavar="NAME", type=Path, help="the files' path without suffix (default OUTDIR/report)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        page = build(args.out_dir, args.reference)
    except NotARun as problem:
        print(f"carepath report: {problem}", file=sys.stderr)
        return 2
    written = write(page, args.out or args.out_dir / "report")
    print("Wrote " + " and ".join(str(p) for p in written))
    return 0
