"""Results in words: every metric's label, unit and direction; the printed summary, by year; the differences."""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import yaml

from sim import api
from sim.analysis import comparison, figures, labels, report
from sim.common.paths import ROOT
from sim.inputs.config import load
from sim.jobs import outputs

SHORT = ["run.horizon_days=20", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]


@pytest.fixture(scope="module")
def walsall():
    return api.run(*SHORT)


@pytest.fixture(scope="module")
def mmc():
    return api.run("network=mmc", *SHORT)


@pytest.mark.parametrize("which", ["walsall", "mmc"])
def test_every_metric_a_run_reports_has_a_label_and_a_unit(which, request):
    run = request.getfixturevalue(which)
    metrics = run.summary["metric"]
    assert labels.unlabelled(run.config, metrics) == []
    table = labels.metric_table(run.config, metrics)
    assert list(table["metric"]) == list(dict.fromkeys(metrics))
    assert (table["label"].str.len() > 0).all() and (table["unit"].str.len() > 0).all()
    assert set(table["direction"]) <= set(labels.DIRECTIONS)
    assert labels.missing_statistics() == []


@pytest.mark.parametrize("path", ["network/integrated_care.yaml", "pressure/realistic.yaml"])
def test_the_networks_own_metrics_declare_their_label_unit_and_direction(path):
    metrics = yaml.safe_load((ROOT / "configs" / path).read_text())["metrics"]
    for name, spec in metrics.items():
        assert spec.get("label") and spec.get("unit"), name
        assert spec.get("direction") in labels.DIRECTIONS, name
        if spec["unit"] == "%":
            assert "_pct" in name or name.endswith("_mean"), name


def test_generated_families_read_the_services_own_label(walsall):
    names = labels.Labels(walsall.config)
    assert names.describe("acute.wait_mean") == labels.Label("General and acute beds: mean wait", "days", "lower")
    assert names.describe("ae.within_4h_pct").unit == "%" and names.describe("ae.within_4h_pct").direction == "higher"
    assert names.describe("ihct_north.arrivals").label.startswith("Integrated health and care team caseload, north")
    assert names.describe("ae_4h_pct").label == "A&E patients within 4 hours"
    assert names.describe("total_cost_gbp").unit == "£"
    assert names.describe("system_cost.acute_services_gbp").label == "Budget line: Acute Services"
    assert names.describe("net_saving_nhs_gbp") == labels.Label("Net saving, the NHS", "£", "higher")
    assert names.describe("cost_avoidance_gbp") == labels.Label("Cost avoidance", "£", "higher")
    assert names.describe("cost_avoidance_activity_gbp").label == "Cost avoidance: activity"
    assert names.describe("ae_admissions.acute_manor").unit == "admissions"


def test_the_summary_prints_label_unit_and_machine_name(walsall):
    text = report.summary_text(walsall.config, walsall.summary, "out/summary.csv").splitlines()
    header = next(i for i, line in enumerate(text) if line.startswith("measure "))
    assert text[header].split()[:2] == ["measure", "unit"] and text[header].endswith("metric")
    rows = text[header + 1:-1]
    assert [line.split()[-1] for line in rows] == walsall.config["network"]["headline"]
    four_hours = next(line for line in rows if line.endswith(" ae_4h_pct"))
    assert four_hours.startswith("A&E patients within 4 hours") and re.search(r"\s%\s", four_hours)


def _years(values):
    rows = [("s", year, metric, v, v - 5, v + 5, 3) for metric, by_year in values.items() for year, v in by_year.items()]
    return pd.DataFrame(rows, columns=["scenario", "year", "metric", "mean", "ci_low", "ci_high", "replications"])


def test_a_multi_year_summary_prints_one_row_per_year_and_keeps_big_figures_apart():
    summary = _years({"total_cost_gbp": {2017: 157083991.0, 2018: 159012208.0, 2019: 162674105.0},
                      "ae_4h_pct": {2017: 80.0, 2018: 78.0, 2019: 76.0}})
    text = report.summary_text({"network": {"headline": ["total_cost_gbp", "ae_4h_pct"]}}, summary, "x").splitlines()
    header = next(i for i, line in enumerate(text) if line.startswith("measure "))
    rows = text[header + 1:-1]
    assert len(rows) == 6
    cost = [line for line in rows if line.endswith("total_cost_gbp")]
    assert len(cost) == 3
    for line, year, value in zip(cost, ("2017/18", "2018/19", "2019/20"), ("157,083,991", "159,012,208", "162,674,105")):
        assert re.search(rf"{re.escape(year)}\s+{value}\s+\[", line), line
    assert rows[0].startswith("Modelled cost, all settings") and not rows[1].startswith("Modelled")


def _comparison(rows):
    return pd.DataFrame(rows, columns=["scenario", "baseline", "metric", "difference", "ci_low", "ci_high",
                                       "relative_pct", "replications"])


def test_differences_give_a_percentage_in_points_and_say_better_or_worse():
    table = _comparison([("s", "do_nothing", "ae_4h_pct", -2.4, -3.0, -1.8, -3.1, 5),
                         ("s", "do_nothing", "nel_admissions", -120.0, -200.0, -40.0, -1.2, 5),
                         ("s", "do_nothing", "ae_attendances", 30.0, -10.0, 70.0, 0.1, 5),
                         ("s", "do_nothing", "ic_wait_days_mean", 0.5, -0.1, 1.1, 10.0, 5)])
    config = load([])
    lines = report.differences_text(table, ["ae_4h_pct", "nel_admissions", "ae_attendances", "ic_wait_days_mean"],
                                    config).splitlines()
    four_hours, admissions, attendances, wait = lines[2:6]
    assert "-2.4 points" in four_hours and "%" not in four_hours.split("]")[1] and " worse " in four_hours
    assert four_hours.endswith("ae_4h_pct") and four_hours.strip().startswith("A&E patients within 4 hours (%)")
    assert "-1.2%" in admissions and " better " in admissions and "interval" not in admissions.split("]")[1]
    assert "better" not in attendances and "worse" not in attendances          # no direction: no judgement
    assert "worse (interval includes 0)" in wait


def test_judgement_follows_the_direction():
    assert report.judgement(1.0, 0.5, 1.5, "higher") == "better"
    assert report.judgement(1.0, 0.5, 1.5, "lower") == "worse"
    assert report.judgement(-1.0, -2.0, 0.5, "lower") == "better (interval includes 0)"
    assert report.judgement(1.0, 0.5, 1.5, "neither") == "" and report.judgement(0.0, 0.0, 0.0, "higher") == ""


def test_a_run_writes_metrics_csv_beside_an_unchanged_summary(walsall, tmp_path):
    paths = outputs.write_all(walsall.results, tmp_path, command="test")
    summary = pd.read_csv(paths["summary.csv"])
    assert list(summary.columns) == list(walsall.summary.columns) and "label" not in summary.columns
    table = pd.read_csv(paths["metrics.csv"], keep_default_na=False)
    assert list(table.columns) == ["metric", "label", "unit", "direction"]
    assert list(table["metric"]) == list(dict.fromkeys(summary["metric"]))
    row = table.set_index("metric").loc["ae_4h_pct"]
    assert (row["unit"], row["direction"]) == ("%", "higher")


def test_figures_name_metrics_by_their_labels():
    table = _comparison([("s", "b", "ae_4h_pct", -2.0, -3.0, -1.0, -2.5, 5)])
    fig = figures.differences(table, ["ae_4h_pct"], labels={"ae_4h_pct": "A&E patients within 4 hours"})
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A&E patients within 4 hours"]
    summary = _years({"ae_4h_pct": {2017: 80.0, 2018: 78.0}})
    fig = figures.trajectories(summary, "ae_4h_pct", labels={"ae_4h_pct": "A&E within 4 hours (%)"})
    assert fig.axes[0].get_ylabel() == "A&E within 4 hours (%)"
    plt.close("all")


def test_a_sweeps_comparison_carries_the_labels_its_jobs_wrote(tmp_path):
    for number, (scenario, values) in enumerate([("do_nothing", [80.0, 82.0, 84.0]), ("uk_comparator", [78.0, 79.0, 80.0])]):
        folder = tmp_path / str(number)
        (folder / ".hydra").mkdir(parents=True)
        (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"scenario={scenario}"]))
        rows = [(scenario, r, "ae_4h_pct", v) for r, v in enumerate(values)]
        pd.DataFrame(rows, columns=["scenario", "replication", "metric", "value"]).to_csv(folder / "replications.csv", index=False)
        pd.DataFrame([("ae_4h_pct", "A&E patients within 4 hours", "%", "higher")],
                     columns=["metric", "label", "unit", "direction"]).to_csv(folder / "metrics.csv", index=False)
    path = comparison.write_comparison(tmp_path)
    table = pd.read_csv(path)
    assert table.set_index("metric").loc["ae_4h_pct", ["label", "unit", "direction"]].tolist() == [
        "A&E patients within 4 hours", "%", "higher"]
    line = report.differences_text(table, ["ae_4h_pct"]).splitlines()[2]
    assert line.strip().startswith("A&E patients within 4 hours (%)") and "-3.0 points" in line and " worse " in line


def test_a_tiny_figure_is_written_out_not_as_an_exponent():
    """A bounded interval's low end can be a millionth of a patient: a board paper reads 0.00000152, not 1.52e-06."""
    assert report.number(1.52e-06) == "0.00000152"
    assert report.number(-3.3e-05) == "-0.0000330"
    assert [report.number(x) for x in (0.0457, 0.0, 2.5, 12.34, 164894.2)] == ["0.0457", "0", "2.5", "12.3", "164,894"]
