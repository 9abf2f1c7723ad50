"""What the page shows of a run's outputs: years, figures that are not estimates, the uncertainty analysis, costs."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

pytest.importorskip("shiny")

from sim.app import results, spread

NETWORK = {"headline": ["ae_4h_pct", "ic_wait_days_mean", "total_cost_gbp"]}


def _run(rows, columns=("metric", "mean", "ci_low", "ci_high", "replications", "unstable")):
    return SimpleNamespace(summary=pd.DataFrame(rows, columns=list(columns)), config={"network": NETWORK})


def test_the_headline_flags_a_figure_that_is_not_an_estimate():
    run = _run([("ae_4h_pct", 70.04, 68.0, 72.0, 5, False), ("ic_wait_days_mean", 42.0, 30.0, 54.0, 5, True),
                ("total_cost_gbp", 2.5e8, 2.4e8, 2.6e8, 5, False), ("other", 1, 1, 1, 5, False)])
    table = results.headline(run).set_index("metric")
    assert list(table.index) == NETWORK["headline"]
    assert table.loc["ae_4h_pct", "mean"] == "70.0" and table.loc["ae_4h_pct", "95% interval"] == "68.0 to 72.0"
    assert table.loc["ic_wait_days_mean", "note"] == results.UNSTABLE_NOTE and table.loc["ae_4h_pct", "note"] == ""
    assert table.loc["total_cost_gbp", "mean"] == "250,000,000"


def test_a_multi_year_run_shows_the_chosen_year():
    columns = ("year", "metric", "mean", "ci_low", "ci_high", "replications", "unstable")
    run = _run([(2017, "ae_4h_pct", 70.0, 69.0, 71.0, 5, False), (2018, "ae_4h_pct", 65.0, 64.0, 66.0, 5, True)], columns)
    assert results.headline(run, 2018).set_index("metric").loc["ae_4h_pct", "mean"] == "65.0"
    assert results.headline(run, 2017).set_index("metric").loc["ae_4h_pct", "note"] == ""


def _study(folder, command):
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"command": command}))
    pd.DataFrame({"scenario": ["do_nothing", "do_nothing", "uk_comparator", "uk_comparator vs do_nothing"],
                  "year": [2027, 2017, 2027, 2027], "metric": ["ae_4h_pct"] * 4, "p10": [60.0, 1.0, 50.0, -9.0],
                  "p50": [70.0, 2.0, 60.0, -5.0], "p90": [80.0, 3.0, 70.0, -1.0]}).to_csv(folder / "psa_summary.csv", index=False)
    return spread.load(folder)


def test_p10_and_p90_only_for_a_run_the_uncertainty_study_describes(tmp_path):
    study = _study(tmp_path / "psa", "python -m sim.uncertainty --draws 8 --out x run.year=2027 capacity_policy=demand_led")
    assert study.scenarios == ["do_nothing", "uk_comparator"]
    settings = ["+capacity_policy=demand_led", "run.year=2027", "run.replications=3", "run.seed=4"]
    found = spread.for_run([*settings, "scenario=do_nothing"], "do_nothing", 2027, study)
    assert found.loc["ae_4h_pct"].tolist() == [60.0, 80.0]
    run = _run([("ae_4h_pct", 70.0, 69.0, 71.0, 5, False)])
    row = results.headline(run, None, found).set_index("metric").loc["ae_4h_pct"]
    assert (row["P10"], row["P90"]) == ("60.0", "80.0")
    # another year, scenario or setting is another question: no columns at all
    assert spread.for_run(["capacity_policy=demand_led", "run.year=2017"], "do_nothing", 2017, study) is None
    assert spread.for_run(settings, "baseline", 2027, study) is None
    assert spread.for_run([*settings, "capacity.acute_beds=500"], "do_nothing", 2027, study) is None
    assert "P10" not in results.headline(run, None, None).columns
    assert spread.load(tmp_path / "none") is None


def test_the_committed_study_has_too_few_plausible_draws_for_the_page_to_show_percentiles():
    assert (spread.STUDY / "waves.csv").is_file()              # a chain of history-matched waves
    assert not (spread.STUDY / "psa_summary.csv").is_file()    # no P10/P90 table over a handful of draws
    assert spread.load() is None


def test_costs_by_setting_and_by_commissioner_then_the_totals():
    run = _run([(m, v, v - 1, v + 1, 5, False) for m, v in (
        ("cost_acute_gbp", 100.0), ("cost_share_acute_pct", 50.0), ("cost_social_care_gbp", 100.0),
        ("cost_commissioner_nhs_gbp", 100.0), ("cost_commissioner_council_gbp", 100.0),
        ("total_cost_gbp", 200.0), ("system_cost_gbp", 260.0))])
    table = results.costs(run)
    assert list(zip(table["by"], table["name"])) == [
        ("setting", "acute"), ("setting", "social care"), ("commissioner", "nhs"), ("commissioner", "council"),
        ("total", "total cost"), ("total", "system cost")]


def test_the_headline_names_each_figure_by_its_label_and_unit():
    run = _run([("ae_4h_pct", 70.0, 68.0, 72.0, 5, False), ("total_cost_gbp", 2.5e8, 2.4e8, 2.6e8, 5, False)])
    run.config = {"network": {**NETWORK, "metrics": {"ae_4h_pct": {"service": "ae", "stat": "within_4h_pct",
                                                                   "label": "A&E within 4 hours", "unit": "%"}}}}
    table = results.headline(run)
    assert list(table.columns[:3]) == ["measure", "unit", "mean"] and table.columns[-1] == "metric"
    assert table.set_index("metric").loc["ae_4h_pct", ["measure", "unit"]].tolist() == ["A&E within 4 hours", "%"]
    assert table.set_index("metric").loc["total_cost_gbp", "unit"] == "£"


def test_the_comparison_gives_points_for_a_percentage_and_says_better_or_worse():
    config = {"network": {"metrics": {"ae_4h_pct": {"service": "ae", "stat": "within_4h_pct", "label": "A&E within 4 hours",
                                                    "unit": "%", "direction": "higher"}}}}
    table = pd.DataFrame({"metric": ["ae_4h_pct", "total_cost_gbp"], "difference": [-2.4, -1e6], "ci_low": [-3.0, -2e6],
                          "ci_high": [-1.8, -5e5], "relative_pct": [-3.1, -0.4], "replications": [5, 5]})
    view = results.comparison_view(table, ["ae_4h_pct", "total_cost_gbp"], config=config).set_index("metric")
    assert view.loc["ae_4h_pct", "change"] == "-2.4 points" and view.loc["ae_4h_pct", "better or worse"] == "worse"
    assert view.loc["total_cost_gbp", "change"] == "-0.4%" and view.loc["total_cost_gbp", "better or worse"] == "better"
    assert view.loc["ae_4h_pct", "measure"] == "A&E within 4 hours"


def test_the_results_say_what_was_run():
    run = _run([(2017, "ae_4h_pct", 70.0, 69.0, 71.0, 5, False), (2018, "ae_4h_pct", 65.0, 64.0, 66.0, 5, False)],
               ("year", "metric", "mean", "ci_low", "ci_high", "replications", "unstable"))
    run.config = {"network": NETWORK, "place": {"name": "walsall", "label": "Walsall"},
                  "scenario": {"name": "uk_comparator", "description": "UK comparator", "capacity": {"label": "Beds 2.8"}},
                  "run": {"replications": 5, "seed": 7, "year": 2017}}
    run.years, run.overrides = [2017, 2018], ("scenario=uk_comparator", "capacity.acute_beds=500", "run.seed=7")
    shown = dict(results.what_ran(run).itertuples(index=False))
    assert shown == {"Place": "Walsall", "Financial years": "2017/18 to 2018/19",
                     "Scenario": "uk_comparator - UK comparator", "Capacity presets": "Beds 2.8",
                     "Settings changed from the defaults": "capacity.acute_beds=500", "Replications": "5", "Seed": "7"}
