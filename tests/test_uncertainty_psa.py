"""A PSA end to end on the mmc network: the ordinary run at the centre, Sobol close to theory, resuming."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from sim.inputs.config import load
from sim.jobs import runner
from sim.uncertainty import cli, runs, sampling, sensitivity, summary
from sim.uncertainty.study import Settings, Study

MMC = ["network=mmc", "run.horizon_days=120", "run.warmup_days=10"]


def _ranges(tmp_path, interval) -> str:
    path = tmp_path / "ranges.yaml"
    path.write_text(yaml.safe_dump({"ranges": {"network.lam": {"interval": interval, "source": "assumption: test"}}}))
    return path


def _study(tmp_path, interval, draws, design="lhs", cache="cache") -> Study:
    return Study(Settings(draws=draws, scenarios=["baseline"], ranges=_ranges(tmp_path, interval), design=design,
                          overrides=[*MMC, f"run.cache_dir={tmp_path / cache}"], noise_replications=2,
                          history_match="none", progress=False))


def test_a_psa_collapsed_to_the_central_values_is_the_ordinary_run(tmp_path):
    outcome = _study(tmp_path, [9.0, 9.0], draws=3).run()
    for draw in range(3):
        ordinary = runner.run(load([*MMC, f"run.seed={2017 + draw}", "run.replications=1", "run.n_jobs=1"]), progress=False)
        expected = ordinary.replications.set_index("metric")["value"]
        found = outcome.replications[outcome.replications["draw"] == draw].set_index("metric")["value"]
        pd.testing.assert_series_equal(found.sort_index(), expected.sort_index(), check_names=False)
    central = runner.run(load([*MMC, "run.replications=2", "run.n_jobs=1"]), progress=False).replications
    assert outcome.central.set_index(["replication", "metric"])["value"].sort_index().equals(
        central.set_index(["replication", "metric"])["value"].sort_index())


def test_with_only_the_arrival_rate_uncertain_it_explains_nearly_all_of_the_occupancy(tmp_path):
    study = _study(tmp_path, [6.0, 9.0], draws=32, design="saltelli")
    outcome = study.run()
    assert len(outcome.draws) == 32 * 3                     # Saltelli: N (k + 2) runs
    y = outcome.replications[outcome.replications["metric"] == "ward.occupancy_mean"].sort_values("draw")["value"]
    found = sensitivity.sobol(study.names, y.to_numpy(), "ward.occupancy_mean")
    s1 = found[found["index"] == "S1"]["value"].iloc[0]
    assert s1 > 0.9


def test_an_interrupted_psa_resumes_from_the_cache_with_the_same_result(tmp_path, monkeypatch):
    complete = _study(tmp_path, [7.0, 9.0], draws=4, cache="fresh").run()
    real_run, calls = runner.run, []

    def interrupted(cfg, progress=True):
        calls.append(1)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return real_run(cfg, progress=progress)

    monkeypatch.setattr(runs.runner, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _study(tmp_path, [7.0, 9.0], draws=4).run()
    monkeypatch.setattr(runs.runner, "run", real_run)
    resumed = _study(tmp_path, [7.0, 9.0], draws=4).run()
    assert resumed.stats.reused == 3 and resumed.stats.ran == 5 - 3
    pd.testing.assert_frame_equal(resumed.replications, complete.replications)


def test_the_command_writes_the_tables_the_issue_names(tmp_path):
    out = tmp_path / "out"
    code = cli.main(["--draws", "12", "--scenarios", "baseline", "--ranges", str(_ranges(tmp_path, [7.0, 9.0])),
                     "--metrics", "ward.occupancy_mean", "--out", str(out), "--n-jobs", "1", "--no-progress",
                     "--noise-replications", "2", *MMC, f"run.cache_dir={tmp_path / 'cache'}"])
    assert code == 0
    assert list(pd.read_csv(out / "psa.csv").columns) == ["draw", "scenario", "year", "metric", "value"]
    assert {"scenario", "metric", "mean", "p10", "p50", "p90"} <= set(pd.read_csv(out / "psa_summary.csv").columns)
    sens = pd.read_csv(out / "sensitivity.csv")
    assert list(sens.columns) == ["metric", "parameter", "method", "index", "value", "ci_low", "ci_high"]
    assert set(sens["index"]) == {"S1", "ST"}
    assert len(pd.read_csv(out / "draws.csv")) == 12
    assert (out / "README.md").is_file() and (out / "emulator_check.png").is_file()


def test_bad_input_exits_2_naming_the_key(tmp_path, capsys):
    path = tmp_path / "ranges.yaml"
    path.write_text(yaml.safe_dump({"ranges": {"network.lamda": {"interval": [7, 9]}}}))
    code = cli.main(["--draws", "4", "--scenarios", "baseline", "--ranges", str(path), "--out", str(tmp_path / "o"),
                     "--no-progress", *MMC])
    assert code == 2
    assert "ranges.network.lamda.keys: got 'network.lamda'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_the_net_saving_is_the_whole_systems_where_the_network_has_a_system_cost():
    rows = []
    for scenario, system, modelled in (("do_nothing", 500.0, 200.0), ("uk_comparator", 480.0, 190.0)):
        for metric, value in (("system_cost_gbp", system), ("total_cost_gbp", modelled)):
            rows.append({"draw": 0, "scenario": scenario, "year": 2027, "replication": 0, "metric": metric, "value": value})
    differences = summary.paired_differences(pd.DataFrame(rows)).set_index("metric")["value"]
    assert differences["net_saving_gbp"] == 20.0 and differences["net_saving_modelled_gbp"] == 10.0
    modelled_only = summary.paired_differences(pd.DataFrame([r for r in rows if r["metric"] == "total_cost_gbp"]))
    assert modelled_only.set_index("metric")["value"].to_dict() == {"total_cost_gbp": -10.0, "net_saving_gbp": 10.0}
    headline = summary.headline(summary.draw_means(summary.paired_differences(pd.DataFrame(rows))), pd.Series({0: 1.0}))
    assert headline.loc[0, "cost"] == "system_cost_gbp" and headline.loc[0, "probability_saving"] == 1.0


def test_a_draw_that_ran_away_stays_an_outcome_and_the_percentiles_are_shown_both_ways():
    rows = []
    for draw, (dn_cost, uk_cost, dn_flag, uk_flag) in enumerate([(500, 480, 0, 0), (520, 495, 0, 0), (9000, 700, 1, 0),
                                                                 (510, 530, 0, 1)]):
        for scenario, cost, flag in (("do_nothing", dn_cost, dn_flag), ("uk_comparator", uk_cost, uk_flag)):
            for metric, value in (("total_cost_gbp", cost), ("unstable_acute", flag), ("unstable_utc", 0.0)):
                rows.append({"draw": draw, "scenario": scenario, "year": 2027, "replication": 0, "metric": metric,
                             "value": float(value)})
    reps = summary.with_runaway(pd.DataFrame(rows))
    psa = summary.draw_means(pd.concat([reps, summary.paired_differences(reps)], ignore_index=True))
    ran = psa[psa["metric"] == "ran_away"].set_index(["scenario", "draw"])["value"]
    assert ran["uk_comparator vs do_nothing"].tolist() == [0.0, 0.0, 1.0, 1.0]     # either run: the comparison ran away
    weights = pd.Series(0.25, index=range(4))
    head = summary.headline(psa, weights).iloc[0]
    assert head["draws"] == 2 and head["draws_ran_away"] == 2 and head["draws_counted"] == 4
    assert head["net_saving_p50_gbp"] == 22.5                                          # 20 and 25, not the runaway's 8,300
    assert (head["probability_saving"], head["probability_loss"], head["probability_ran_away"]) == (0.5, 0.0, 0.5)
    assert head["net_saving_p90_with_ran_away_gbp"] > 8000                             # the runaway kept, as it ran
    table = summary.summarise(psa, weights).set_index(["scenario", "metric"])
    assert table.loc[("do_nothing", "total_cost_gbp"), "draws"] == 3                   # its own runaway only
    assert table.loc[("do_nothing", "total_cost_gbp"), "draws_ran_away"] == 1
    assert table.loc[("do_nothing", "ran_away"), "mean"] == 0.25                       # the share that ran away: all draws


def test_a_draw_keeps_only_what_the_study_reads_and_a_full_run_completes_its_entry(tmp_path):
    from sim.jobs import cache, outputs

    config = load([*MMC, "run.replications=1", "run.n_jobs=1", f"run.cache_dir={tmp_path / 'cache'}"])
    table, ran, _ = runs.run_one(config)
    store = cache.folder(config["run"], cache.key(config))
    assert ran and sorted(p.name for p in store.iterdir()) == sorted(runs.KEPT)
    again, ran, _ = runs.run_one(config)                     # read back, not run
    assert not ran and again.equals(pd.read_csv(store / "replications.csv"))
    assert not cache.restore(store, tmp_path / "out")        # not a finished run for python -m sim ...
    full = tmp_path / "full"
    outputs.write_all(runner.run(config, progress=False), full)
    cache.save(full, store)                                  # ... until one completes it
    assert cache.complete(store) and cache.restore(store, tmp_path / "out")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / "replications.csv"), table)


def test_a_morris_trajectory_runs_on_one_seed_and_a_recheck_reads_its_seeds_back(tmp_path):
    # common random numbers along a trajectory: an elementary effect is the range's step, not two seeds' chance
    from sim.uncertainty import recheck
    out = tmp_path / "out"
    assert cli.main(["--method", "morris", "--draws", "2", "--scenarios", "baseline", "--history-match", "none",
                     "--ranges", str(_ranges(tmp_path, [7.0, 9.0])), "--metrics", "ward.occupancy_mean", "--out", str(out),
                     "--n-jobs", "1", "--no-progress", "--noise-replications", "2", *MMC,
                     f"run.cache_dir={tmp_path / 'cache'}"]) == 0
    draws = pd.read_csv(out / "draws.csv")
    k = len([c for c in draws.columns if c not in ("draw", "seed")])
    trajectories = draws["seed"].to_numpy().reshape(2, k + 2)       # k + 1 points, then the step of chance
    assert (trajectories[:, :-1] == trajectories[:, :1]).all() and trajectories[0, 0] != trajectories[1, 0]
    chance = trajectories[:, -1]                                     # a seed no other point has
    assert len(set(chance)) == 2 and not set(chance) & set(trajectories[:, 0])
    values = draws.drop(columns=["draw", "seed"]).to_numpy().reshape(2, k + 2, k)
    assert (values[:, -1] == values[:, -2]).all()                    # the same values, another seed
    ranked = pd.read_csv(out / "sensitivity.csv")
    assert sampling.CHANCE in set(ranked["parameter"])
    assert "a change of seed alone gives" in (out / "README.md").read_text()
    assert "not percentiles or probabilities to quote" in (out / "README.md").read_text()
    said = []
    assert recheck.recheck(out, 3, log=said.append) and ": exact" in said[0]


def test_a_few_draws_of_a_study_are_re_run_and_checked_exactly_against_its_tables(tmp_path):
    from sim.uncertainty import recheck
    out = tmp_path / "out"
    assert cli.main(["--draws", "4", "--scenarios", "baseline", "--ranges", str(_ranges(tmp_path, [7.0, 9.0])),
                     "--metrics", "ward.occupancy_mean", "--out", str(out), "--n-jobs", "1", "--no-progress",
                     "--noise-replications", "2", *MMC, f"run.cache_dir={tmp_path / 'cache'}"]) == 0
    said = []
    assert recheck.recheck(out, 2, log=said.append)
    assert "draws 0, 3 of 4 re-run" in said[0] and ": exact" in said[0] and "the whole study would take" in said[1]
    psa = pd.read_csv(out / "psa.csv")
    psa.loc[psa["draw"] == 3, "value"] += 1e-3                     # a committed number that the code does not give
    psa.to_csv(out / "psa.csv", index=False)
    assert not recheck.recheck(out, 2, log=said.append) and "mismatch" in said[2] and "draw 3 baseline" in said[2]
    assert recheck.main([str(tmp_path), "--draws", "2"]) == 2      # not a study's folder
