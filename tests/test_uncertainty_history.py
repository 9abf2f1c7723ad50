"""History matching a board can rely on: a stated discrepancy, both cut-offs, checked emulators, a stop rule."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.common.errors import ConfigError
from sim.inputs.config import load
from sim.uncertainty import analysis, chain, discrepancy, history, learning, recheck, refocus, sampling, sensitivity, validation


@pytest.fixture(scope="module")
def targets():
    return load([])["place"]["calibration"]["targets"]


def test_every_calibration_target_has_a_stated_discrepancy_with_its_reason(targets):
    stated = discrepancy.load()
    table = pd.DataFrame(discrepancy.table(stated, targets)).set_index("target")
    assert (table["stated_as"] != "none").all() and (table["discrepancy_sd"] > 0).all()
    assert table["source"].str.len().gt(20).all()
    assert table.loc["ae_attendances", "discrepancy_sd"] == pytest.approx(0.03 * 76190)          # the volumes' default
    assert table.loc["acute_delayed_bed_days", "discrepancy_sd"] == pytest.approx(0.15 * 4522)   # its own reason


@pytest.mark.parametrize("entry, where", [("{relative: 2, source: x}", "relative"), ("{sd: -1, source: x}", "sd"),
                                          ("{relative: 0.1, sd: 1, source: x}", "volume"), ("{relative: 0.1}", "source"),
                                          ("{share: 0.1, source: x}", "share")])
def test_a_bad_discrepancy_is_refused_naming_its_key(tmp_path, entry, where):
    path = tmp_path / "discrepancy.yaml"
    path.write_text(f"kinds:\n  volume: {entry}\n")
    with pytest.raises(ConfigError, match=where):
        discrepancy.load(path)


def test_the_discrepancy_widens_the_implausibility_and_the_second_largest_is_reported():
    targets = {"a": {"value": 100.0, "kind": "volume"}, "b": {"value": 50.0, "kind": "rate", "tolerance": 1.96}}
    means = pd.DataFrame({"a": [100.0, 130.0], "b": [50.0, 60.0]})
    plain = history.implausibility(means, pd.Series(dtype=float), 1, targets)
    wider = history.implausibility(means, pd.Series(dtype=float), 1, targets, discrepancy_sds={"a": 10.0, "b": 0.0})
    assert wider.loc[1, "a"] < plain.loc[1, "a"] and wider.loc[1, "b"] == plain.loc[1, "b"]
    judged = history.criteria(wider)
    assert judged.loc[1, "max_implausibility"] == pytest.approx(10.0)                    # b: 10 points over sd 1
    assert judged.loc[1, "second_implausibility"] == pytest.approx(30 / np.sqrt((5 / 1.96) ** 2 + 100))
    report = history.report(wider, history.weights(wider), "reject", 3.0)
    assert (report["plausible"], report["plausible_second"]) == (1, 2)


def test_a_held_out_check_counts_the_runs_an_emulator_would_wrongly_rule_out():
    rng = np.random.default_rng(1)
    unit = rng.uniform(size=(60, 2))
    spec = {"value": 1.0, "kind": "rate", "tolerance": 0.196}                            # sd 0.1
    smooth = validation.held_out(unit, 2 * unit[:, 0], spec)
    assert smooth["held_out"] == 12 and smooth["misclassified"] == 0 and smooth["held_out_rmse_sd"] < 3
    assert validation.held_out(unit[:4], np.ones(4), spec) == validation.NOT_CHECKED


def test_an_emulator_that_misclassifies_a_held_out_run_has_its_variance_widened_until_it_keeps_it():
    spec = {"value": 1.0, "kind": "rate", "tolerance": 0.196}                            # sd 0.1
    rng = np.random.default_rng(11)
    unit = rng.uniform(size=(40, 2))
    rough = 1.0 + 0.6 * np.sign(np.sin(12 * unit[:, 0])) * (unit[:, 0] > 0.3)           # steps a smooth emulator misses
    check = validation.held_out(unit, rough, spec, seed=11)
    assert check["misclassified"] == 1 and check["variance_inflation"] > 10
    # the factor is the least that keeps every misclassified prediction: the worst lands on the cut-off
    mean, sd = np.array([1.9, 1.5, 0.2]), np.array([0.1, 0.05, 0.2])
    factor = validation.inflation(mean, sd, spec, discrepancy_sd=0.05)
    judged = history.misfit(mean, spec, sd ** 2 * factor, discrepancy_sd=0.05)
    assert np.all(judged <= 3) and judged.max() == pytest.approx(3, rel=1e-6)
    assert validation.inflation(np.array([]), np.array([]), spec) == 1.0
    assert validation.inflation(np.array([1.05]), np.array([0.1]), spec) == 1.0         # kept already: not narrowed
    assert validation.inflation(np.array([3.0]), np.array([0.0]), spec) == np.inf
    assert not refocus._implausibility(object(), [0], np.ones(3), np.zeros((5, 1)), spec, 0.0, np.inf).any()


def test_the_stop_rule_needs_enough_plausible_draws_or_emulators_no_less_certain_than_the_targets():
    assert validation.stop_reason(100, [False]).startswith("100 non-implausible")
    assert validation.stop_reason(40, [True, True]).startswith("every target")
    assert validation.stop_reason(40, [True, False]) is None and validation.stop_reason(40, []) is None


def test_a_refocusing_reports_the_held_out_check_and_the_emulator_variance_of_the_last_wave():
    rng = np.random.default_rng(0)
    unit = rng.uniform(size=(40, 2))
    baseline = pd.DataFrame({"t": 10 * unit[:, 0]})
    spec = {"t": {"value": 2.0, "kind": "rate", "tolerance": 0.5}}
    points, table, info = refocus.refocus([(unit, baseline)], spec, 20, candidates=2000, most=4000,
                                          discrepancy_sds={"t": 0.2})
    row = table.iloc[0]
    assert row["held_out"] == 8 and {"misclassified", "emulator_variance", "target_variance"} <= set(table.columns)
    assert row["target_variance"] == pytest.approx((0.5 / 1.96) ** 2 + 0.04)
    assert info["misclassified"] == row["misclassified"] and (points[:, 0] < 0.5).all()


def test_the_wave_table_reads_each_waves_folder(tmp_path):
    first, second = tmp_path / "w1", tmp_path / "w2"
    for folder, worst in ((first, [[1.0, 4.0], [5.0, 6.0], [2.0, 2.0]]), (second, [[1.0, 2.0], [0.5, 3.5]])):
        folder.mkdir()
        frame = pd.DataFrame(worst, columns=["a", "b"]).rename_axis("draw").reset_index()
        frame.to_csv(folder / "history_matching.csv", index=False)
    pd.DataFrame([{"wave": 1, "target": "a", "cv_r2": 0.8, "held_out": 2, "misclassified": 0,
                   "variance_below_target": False, "variance_inflation": 1.0},
                  {"wave": 1, "target": "b", "cv_r2": 0.6, "held_out": 2, "misclassified": 1,
                   "variance_below_target": False, "variance_inflation": 4.5}]).to_csv(second / "refocus.csv", index=False)
    (second / "manifest.json").write_text('{"runs": {"study": {"refocus": {"share_not_ruled_out": 0.25}, '
                                          '"timings": {"total_seconds": 600, "setup_seconds": 90}}}}')
    table = chain.table([first, second])
    # the misclassified run counted as the emulator was fitted, and the widening that took it in
    assert table.loc[1, "misclassified"] == 1 and table.loc[1, "largest_variance_inflation"] == 4.5
    assert pd.isna(table.loc[0, "largest_variance_inflation"])      # a first wave is refocused by nothing
    assert table["non_implausible"].tolist() == [1, 1] and table["non_implausible_second"].tolist() == [2, 2]
    assert table["share_ruled_out_before"].tolist() == [0.0, 0.75] and table.loc[1, "minutes"] == 10.0
    assert table.loc[1, "setup_minutes"] == 1.5 and np.isnan(table.loc[0, "setup_minutes"])   # no manifest: not known
    assert chain.stop(table) is None


def test_sobol_indices_are_withheld_below_an_r2_of_0_7_and_a_morris_ranking_labelled_instead(tmp_path):
    check = {"result": "r", "cv_r2": 0.53}
    sobol = pd.DataFrame([{"metric": "r", "parameter": "x", "method": "sobol_emulator", "index": "ST", "value": 0.9,
                           "ci_low": 0.8, "ci_high": 1.0}])
    morris = pd.DataFrame([{"metric": "r", "parameter": "y", "method": "morris", "index": "mu_star", "value": 3.0,
                            "ci_low": 2.0, "ci_high": 4.0}], columns=sensitivity.COLUMNS)
    morris.to_csv(tmp_path / "sensitivity.csv", index=False)
    gated = analysis.gate({"check": check, "indices": sobol}, analysis.screening(tmp_path))
    assert gated["sobol_withheld"] and gated["indices"]["method"].tolist() == ["morris_direct"]
    assert analysis.gate({"check": check, "indices": sobol}, None)["indices"].empty
    kept = analysis.gate({"check": {**check, "cv_r2": 0.75}, "indices": sobol}, None)
    assert not kept["sobol_withheld"] and kept["indices"].equals(sobol)
    with pytest.raises(ConfigError, match="screening"):
        analysis.screening(tmp_path / "nothing")


def test_a_recheck_spreads_its_draws_over_the_study():
    assert recheck.chosen_draws(8, 256) == [0, 36, 73, 109, 146, 182, 219, 255]
    assert recheck.chosen_draws(8, 3) == [0, 1, 2]


def test_a_range_limited_to_some_scenarios_moves_only_their_keys_and_the_evidence_ranges_include_no_effect(tmp_path):
    from sim.uncertainty import apply, ranges
    path = tmp_path / "ranges.yaml"
    path.write_text("ranges:\n"
                    "  assumed: {keys: [scenario.top_down.*.change], scenarios: [comparator], interval: [0.5, 1.5], source: x}\n"
                    "  evidence: {keys: [scenario.top_down.*.change], scenarios: [evidence], source: x,\n"
                    "             distribution: {name: triangular, low: 0.0, mode: 1.0, high: 1.5}}\n")
    configs = {name: {"scenario": {"name": name, "top_down": {"outpatients": {"change": -0.29}}}}
               for name in ("comparator", "evidence")}
    resolved = apply.resolve(ranges.load(path), configs)
    assert set(resolved.matches["comparator"]) == {"assumed"} and set(resolved.matches["evidence"]) == {"evidence"}
    drawn, _ = apply.apply(resolved, "evidence", {"assumed": 1.4, "evidence": 0.0})
    assert drawn["scenario"]["top_down"]["outpatients"]["change"] == 0.0                  # no effect is in its range
    default = {r.name: r for r in ranges.load().ranges}
    assert default["evidence_top_down_activity_changes"].distribution_for(1.0).quantiles(0.0)[0] == 0.0
    assert default["top_down_activity_changes"].label.startswith("business case's assumed effect")
    with pytest.raises(ConfigError, match="scenarios"):
        path.write_text("ranges:\n  r: {keys: [scenario.top_down.*.change], scenarios: oops, interval: [0.5, 1.5]}\n")
        ranges.load(path)


def _fake_waves(monkeypatch, draws: int, passing: int, manifest: bool = False) -> list:
    """Each wave the chain asks for written at once: ``draws`` draws, ``passing`` of them non-implausible, with the
    manifest of its settings if ``manifest``; returns the list of the waves' command lines."""
    from sim.uncertainty import cli, report
    calls = []

    def one_wave(argv):
        calls.append(argv)
        out = Path(argv[argv.index("--out") + 1])
        out.mkdir(parents=True)
        worst = [1.0] * passing + [5.0] * (draws - passing)
        pd.DataFrame({"draw": range(draws), "a": worst}).to_csv(out / "history_matching.csv", index=False)
        if manifest:
            settings = report.recorded(cli.settings_from(cli.parser().parse_args(argv)))
            (out / "manifest.json").write_text(json.dumps({"runs": {"study": {"settings": settings}}}))
        return 0
    monkeypatch.setattr(cli, "main", one_wave)
    return calls


def test_waves_run_until_enough_draws_are_non_implausible(tmp_path, monkeypatch, capsys):
    from sim.uncertainty import waves as runner
    calls = _fake_waves(monkeypatch, 80, 60)
    assert runner.main(["--out", str(tmp_path), "--draws", "80", "--later-draws", "40", "--max-waves", "4",
                        "run.year=2027"]) == 0
    assert len(calls) == 2 and calls[1][:2] == ["--draws", "40"] and "--refocus" in calls[1] and "run.year=2027" in calls[1]
    assert pd.read_csv(tmp_path / "waves.csv")["non_implausible"].tolist() == [60, 60]
    assert "stopped: 120 non-implausible draws" in capsys.readouterr().out
    assert "Stopped: 120 non-implausible draws" in (tmp_path / "README.md").read_text()
    assert runner.main(["--out", str(tmp_path), "--max-waves", "0"]) == 2


def test_resumed_waves_keep_the_complete_ones_and_refuse_a_chain_run_otherwise(tmp_path, monkeypatch, capsys):
    from sim.uncertainty import waves as runner
    calls = _fake_waves(monkeypatch, 40, 10, manifest=True)
    asked = ["--out", str(tmp_path), "--draws", "40", "--later-draws", "40", "run.year=2027"]
    assert runner.main([*asked, "--max-waves", "2"]) == 0 and len(calls) == 2
    assert runner.main([*asked, "--max-waves", "3", "--resume"]) == 0        # waves 1 and 2 kept, wave 3 run
    assert len(calls) == 3 and calls[2][calls[2].index("--refocus") + 1] == str(tmp_path / "wave2")
    assert "kept 2 complete wave(s)" in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "waves.csv")["wave"].tolist() == [1, 2, 3]
    assert runner.main([*asked[:-1], "run.year=2026", "--max-waves", "4", "--resume"]) == 2   # another study's options
    assert "wave1 was run with other settings (overrides: ['run.year=2027'] in the wave" in capsys.readouterr().err
    assert len(calls) == 3


def test_the_learning_years_join_the_targets_and_the_final_test_years_never_do():
    found = learning.targets("walsall")
    assert list(found) == [2018]                                       # 2019/20 has no yearly type-1 figure
    assert found[2018]["ae_attendances"]["value"] == 79222 and found[2018]["ae_4h_pct"]["kind"] == "rate"
    assert learning.targets("nowhere") == {}
    runs_table = pd.DataFrame([{"draw": 0, "scenario": learning.label(2018), "year": 2018, "replication": 0,
                                "metric": metric, "value": 1.0} for metric in ("ae_attendances", "acute.occupancy_mean")])
    assert learning.named(runs_table, found)["metric"].tolist() == ["ae_attendances@2018"]
    assert learning.is_judged(learning.label(2018)) and learning.is_judged("calibration_baseline")
    assert not learning.is_judged("do_nothing") and learning.year_of("do_nothing") is None
    assert learning.overrides(["run.year=2027", "capacity_policy=demand_led", "capacity_policy.levers_checked=false"],
                              2018) == ["run.year=2027", "scenario=baseline", "capacity_policy=fixed", "run.year=2018"]


def test_a_refocused_wave_tabulates_its_chain_with_itself_last(tmp_path):
    from types import SimpleNamespace

    from sim.uncertainty import report
    first = tmp_path / "w1"
    first.mkdir()
    pd.DataFrame({"draw": range(3), "a": [1.0, 4.0, 2.0]}).to_csv(first / "history_matching.csv", index=False)
    emulators = pd.DataFrame([{"wave": 1, "target": "a", "cv_r2": 0.9, "held_out": 1, "misclassified": 0,
                               "variance_below_target": True}])
    study = SimpleNamespace(refocused={"chain": [str(first)], "share_not_ruled_out": 0.4, "emulators": emulators},
                            settings=SimpleNamespace(threshold=3.0))
    table = report.per_wave(study, pd.DataFrame({"a": [0.5, 2.5, 3.5, 1.0]}), {"total_seconds": 120, "setup_seconds": 30})
    assert table["draws"].tolist() == [3, 4] and table["non_implausible"].tolist() == [2, 3]
    assert table.loc[1, "share_ruled_out_before"] == pytest.approx(0.6) and table.loc[1, "minutes"] == 2.0
    assert table.loc[1, "setup_minutes"] == 0.5
    assert chain.stop(table).startswith("every target")


def test_the_chains_readme_gives_the_pooled_headline_and_withholds_drivers_an_emulator_cannot_carry(tmp_path):
    from sim.uncertainty import waves as runner
    from sim.uncertainty import waves_report
    for wave, worst in ((1, [1.0] * 30 + [5.0] * 10), (2, [1.0] * 20)):
        folder = tmp_path / f"wave{wave}"
        folder.mkdir()
        pd.DataFrame({"draw": range(len(worst)), "a": worst}).to_csv(folder / "history_matching.csv", index=False)
        (folder / "manifest.json").write_text(json.dumps({"command": f"python -m sim.uncertainty --out wave{wave}", "runs": {
            "study": {"timings": {"total_seconds": 600 * wave, "setup_seconds": 90 * wave}}}}))
    saving = "walsall_schemes_evidence vs do_nothing 2027: net_saving_gbp"
    pd.DataFrame([{"result": saving, "draws": 38, "cv_r2": 0.55}, {"result": "x vs do_nothing 2027: net_saving_gbp",
                                                                  "draws": 38, "cv_r2": 0.9}]).to_csv(
        tmp_path / "wave1" / "emulator.csv", index=False)
    pd.DataFrame([{"metric": "x vs do_nothing 2027: net_saving_gbp", "parameter": p, "method": "sobol_emulator", "index": "ST",
                   "value": v, "ci_low": v - 0.05, "ci_high": v + 0.05} for p, v in (("trend", 0.6), ("effect", 0.3))]
                 ).to_csv(tmp_path / "wave1" / "sensitivity.csv", index=False)
    pd.DataFrame([{"comparison": "walsall_schemes_evidence vs do_nothing", "year": 2027, "net_saving_p10_gbp": -2e6,
                   "net_saving_p50_gbp": 1e6, "net_saving_p90_gbp": 4e6, "net_saving_p10_with_ran_away_gbp": -3e6,
                   "net_saving_p50_with_ran_away_gbp": 1e6, "net_saving_p90_with_ran_away_gbp": 4e6,
                   "probability_saving": 0.6, "probability_loss": 0.35, "probability_ran_away": 0.05, "draws": 47,
                   "draws_ran_away": 3, "plausible_draws": 50, "waves": 2}]).to_csv(
        tmp_path / "wave2" / "headline_plausible.csv", index=False)
    widened = pd.DataFrame([{"wave": 1, "target": "a", "cv_r2": 0.5, "held_out": 4, "misclassified": 1,
                             "variance_below_target": False, "variance_inflation": np.inf}])
    widened.to_csv(tmp_path / "wave2" / "refocus.csv", index=False)
    assert runner.main(["--out", str(tmp_path), "--report"]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "| 4 | 1 | none (rules out nothing) |" in text     # an emulator that misjudged a run it had no doubt about
    assert "So no misclassified run shaped the chain." in text
    pd.DataFrame([{"wave": 1, "target": "a", "cv_r2": 0.5, "held_out": 4, "misclassified": 1,
                   "variance_below_target": False}]).to_csv(tmp_path / "wave2" / "refocus.csv", index=False)
    assert runner.main(["--out", str(tmp_path), "--report"]) == 0          # a wave refocused before the widening
    assert "Wave 2 was refocused before this widening" in (tmp_path / "README.md").read_text()
    widened.to_csv(tmp_path / "wave2" / "refocus.csv", index=False)
    assert runner.main(["--out", str(tmp_path), "--report"]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "2 waves, 60 draws, 50 non-implausible" in text and "was not met" in text
    assert "| 10.0 (1.5) |" in text and "| 20.0 (3.0) |" in text        # each wave's minutes, of them setting up
    assert "| 47 of 50 (3) | -£2.0m | £1.0m | £4.0m |  | 60% | 35% | 5% | -£3.0m, £1.0m, £4.0m |" in text
    assert "evidence register" in text                                  # the scenario says what its effects rest on
    assert f"- {saving}: not ranked" in text and "0.55" in text         # R² below 0.7: no Sobol indices
    assert "trend 0.60 [0.55, 0.65], effect 0.30" in text               # R² 0.9: Sobol total indices, largest first
    assert waves_report.folders(tmp_path)[-1].name == "wave2"
    assert runner.main(["--out", str(tmp_path / "none"), "--report"]) == 2
    screening = tmp_path / "screening"                                  # a Morris study over the same ranges
    screening.mkdir()
    pd.DataFrame([{"metric": saving, "parameter": p, "method": "morris", "index": i, "value": v, "ci_low": v - 1e5,
                   "ci_high": v + 1e5} for p, v in (("effect", 2.4e6), ("trend", 0.6e6)) for i in ("mu_star", "sigma")]
                 ).to_csv(screening / "sensitivity.csv", index=False)
    (screening / "manifest.json").write_text(json.dumps({"command": "python -m sim.uncertainty --method morris"}))
    assert runner.main(["--out", str(tmp_path), "--report", "--screening", str(screening)]) == 0
    text = (tmp_path / "README.md").read_text()
    assert f"- {saving}, by a ranking by direct Morris screening" in text and "over the stated ranges" in text
    assert "effect £2.4m [£2.3m, £2.5m], trend £0.6m" in text and "python -m sim.uncertainty --method morris" in text
    chance = pd.read_csv(screening / "sensitivity.csv")                  # with a step of chance: a floor
    floor = pd.DataFrame([{"metric": saving, "parameter": sampling.CHANCE, "method": "morris", "index": "mu_star",
                           "value": 1.0e6, "ci_low": 0.5e6, "ci_high": 1.5e6}])
    pd.concat([chance, floor]).to_csv(screening / "sensitivity.csv", index=False)
    assert runner.main(["--out", str(tmp_path), "--report", "--screening", str(screening)]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "a change of seed alone gives £1.0m" in text and "and 1 of the ranges rises above that" in text
    assert "effect £2.4m [£2.3m, £2.5m]." in text and "trend £0.6m" not in text
    floor["value"] = 3.0e6
    pd.concat([chance, floor]).to_csv(screening / "sensitivity.csv", index=False)
    assert runner.main(["--out", str(tmp_path), "--report", "--screening", str(screening)]) == 0
    assert "so the screening ranks nothing." in (tmp_path / "README.md").read_text()
    assert runner.main(["--out", str(tmp_path), "--report", "--screening", str(tmp_path / "wave1")]) == 2


def test_a_handful_of_plausible_draws_is_shown_draw_by_draw_not_as_percentiles(tmp_path):
    from sim.uncertainty import waves_report
    comparison = "walsall_schemes_evidence vs do_nothing"
    for wave, worst, saving in ((1, [5.0, 1.0], [9e6, 2e6]), (2, [1.0, 4.0], [6e6, 1e6])):
        folder = tmp_path / f"wave{wave}"
        folder.mkdir()
        pd.DataFrame({"draw": [0, 1], "a": worst, "max_implausibility": worst}).to_csv(folder / "history_matching.csv",
                                                                                   index=False)
        pd.DataFrame({"draw": [0, 1]}).to_csv(folder / "draws.csv", index=False)
        pd.DataFrame({"draw": [0, 1], "scenario": comparison, "year": 2027, "metric": "net_saving_gbp",
                      "value": saving}).to_csv(folder / "psa.csv", index=False)
    pd.DataFrame([{"comparison": comparison, "year": 2027, "net_saving_p10_gbp": 2.4e6, "net_saving_p50_gbp": 4e6,
                   "net_saving_p90_gbp": 5.6e6, "probability_saving": 1.0, "probability_loss": 0.0,
                   "probability_ran_away": 0.0, "draws": 2, "draws_ran_away": 0, "plausible_draws": 2, "waves": 2}]
                 ).to_csv(tmp_path / "wave2" / "headline_plausible.csv", index=False)
    assert waves_report.values(waves_report.folders(tmp_path), comparison) == [2e6, 6e6]   # wave 1's draw 1, wave 2's draw 0
    text = waves_report.text(tmp_path)
    assert "| 2 of 2 (0) | too few draws | £4.0m | too few draws | £2.0m, £6.0m |" in text


def test_a_study_that_judges_first_runs_only_the_kept_draws_scenarios_and_gets_their_numbers_exactly(tmp_path):
    # three Walsall draws on a 30-day run, whole and then judged first at a cut-off between the second and third
    # draw's largest implausibility: the two kept draws' results are the same numbers, the third's scenarios never
    # run, and a recheck of the judged study re-runs it as it ran
    from sim.common.files import table_file
    from sim.uncertainty import cli
    from sim.uncertainty.judging import calibration_weights
    from sim.uncertainty.study import Settings, Study, psa_table
    short = ["run.horizon_days=30", "run.warmup_days=5"]
    whole = Study(Settings(draws=3, scenarios=["do_nothing"], history_match="reject", noise_replications=2, n_jobs=1,
                           progress=False, overrides=[*short, f"run.cache_dir={tmp_path / 'whole'}"]))
    ran_whole = whole.run()
    _, implausible, _ = calibration_weights(whole, ran_whole)
    largest = implausible.max(axis=1).sort_values()
    cut = float(largest.iloc[1:3].mean())                                # two of the three kept
    kept = sorted(largest.index[largest <= cut])
    out = tmp_path / "judged"
    assert cli.main(["--draws", "3", "--scenarios", "do_nothing", "--history-match", "reject", "--threshold", str(cut),
                     "--noise-replications", "2", "--n-jobs", "1", "--judge-first", "--no-progress", "--out", str(out),
                     "--metrics", "system_cost_gbp,ae_attendances", *short,
                     f"run.cache_dir={tmp_path / 'judged_cache'}"]) == 0
    psa_whole, _ = psa_table(ran_whole, ["system_cost_gbp", "ae_attendances"])
    psa_judged = pd.read_csv(table_file(out, "psa"))
    assert len(kept) == 2 and sorted(psa_judged["draw"].unique()) == kept
    expected = psa_whole[psa_whole["draw"].isin(kept)].reset_index(drop=True)
    pd.testing.assert_frame_equal(psa_judged[expected.columns], expected, check_exact=False, rtol=1e-12)
    matched = pd.read_csv(table_file(out, "history_matching")).set_index("draw")[implausible.columns]
    pd.testing.assert_frame_equal(matched, implausible, check_exact=False, rtol=1e-12, check_names=False)
    study = json.loads((out / "manifest.json").read_text())["runs"]["study"]
    labels, judged_labels = len(whole.labels()), len(whole.judged_labels())
    assert study["scenario_draws"] == 2 and study["settings"]["judge_first"] is True
    assert ran_whole.stats.ran - study["runs"]["ran"] == labels - judged_labels    # the rejected draw's scenarios
    said = []
    assert recheck.recheck(out, 3, log=said.append)
    assert "exact" in said[0] and "2 kept draws" in said[1]
    with pytest.raises(ConfigError, match="--judge-first"):
        Study(Settings(draws=2, scenarios=["do_nothing"], history_match="report", judge_first=True, progress=False))
