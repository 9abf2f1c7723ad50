"""A study: ranges, a design, the runs, and the tables they give.

:class:`Study` composes the configuration of each chosen scenario once (as ``python -m sim
scenario=<name> [overrides]`` would), checks the ranges against it and against the scenario files
of the parameter register, draws the design, writes every draw into each scenario's configuration
(checking every draw, as the model would build it, before any run starts: a first wave with a draw the model
refuses stops there; a refocused wave puts another point not ruled out in its place), runs the jobs (:mod:`sim.uncertainty.runs`) and
tabulates them.  Besides the draws, each scenario and year is run once at the central values with
``noise_replications`` replications and seed ``run.seed``: the ordinary run, which gives the model's
replication variance (history matching, variance split).  With ``history_match``, each draw is also
run as the calibration baseline (``scenario=baseline`` in ``place.calibration.year``), judged with the
model discrepancy stated in ``configs/uncertainty/discrepancy.yaml`` (:mod:`sim.uncertainty.discrepancy`).
Under a demand-led capacity policy each draw's places are first sized for that draw, from its own
unconstrained runs (:meth:`Study.size_places`, :mod:`sim.uncertainty.places`).
With ``judge_first`` (``--judge-first``, history matching by rejection) every draw's judged runs come first, and
only the draws they keep have their places sized and their scenarios run: a kept draw's runs are the same jobs,
with the same seeds, as in a study run whole, and a rejected draw, which no headline counts, costs its judged runs
alone.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..common.errors import ConfigError, ConfigErrors
from ..inputs import capacity_policy
from ..inputs.config import compose
from ..inputs.levers import misfits
from ..jobs import cache, runner
from . import apply, cluster, discrepancy, history, judging, learning, places, ranges, refocus, register, runs, sampling, summary
from .apply import Resolved
from .learning import CALIBRATION

#: the scenarios a study runs unless told (those whose levers fit the network: do_nothing alone on a textbook queue)
SCENARIOS = ("do_nothing", "uk_comparator")
#: a refocused wave asks for this share more points than its draws, to stand in for any the model refuses
SPARE = 0.25


def refusal(cfg: dict) -> tuple | None:
    """The first problem the model finds in ``cfg`` as it would build it (:func:`sim.jobs.runner.check`), if any,
    as the ``(key, value, allowed)`` of its :class:`ConfigError` (which a worker process can send back)."""
    try:
        runner.check(cfg)
    except ConfigError as error:
        first = error.errors[0] if isinstance(error, ConfigErrors) else error
        return first.key, first.value, first.allowed
    return None


@dataclass
class Settings:
    draws: int = 64
    scenarios: list[str] | None = field(default_factory=lambda: list(SCENARIOS))   # None: those of SCENARIOS that fit the network
    years: list[int] | None = None            # None: the composed run.year
    overrides: list[str] = field(default_factory=list)
    ranges: Path | None = None                # None: configs/uncertainty/default.yaml
    design: str = "lhs"
    replications: int = 1
    noise_replications: int = 10
    history_match: str = "none"               # reject, weight or none
    threshold: float = history.THRESHOLD
    discrepancy: Path | None = None           # None: configs/uncertainty/discrepancy.yaml
    seed: int = 2017                          # the design's seed (the runs use run.seed + draw)
    n_jobs: int = 1
    backend: str = "joblib"
    address: str | None = None                # Ray (backend ray): a cluster's HOST:6379; None: RAY_ADDRESS or a local instance
    progress: bool = True
    trajectories_levels: int = 4              # Morris grid levels
    refocus: Path | None = None               # an earlier wave's folder: draw from what it did not rule out
    size_places: bool = True                  # demand-led places sized for each draw (sim/uncertainty/places.py)
    learning_years: bool = True               # the hindcast's learning years join the targets (sim/uncertainty/learning.py)
    judge_first: bool = False                 # history matching (reject) before the scenarios: run them for the kept draws only


@dataclass
class Outcome:
    """What a study ran: the design and every replication, with the central runs."""

    resolved: Resolved
    unit: np.ndarray                          # the design in the unit cube (draws x ranges)
    draws: pd.DataFrame                       # draw, seed, then each range's value
    replications: pd.DataFrame                # draw, scenario, year, replication, metric, value
    central: pd.DataFrame                     # the central runs: scenario, year, replication, metric, value
    stats: runs.RunStats
    timings: dict
    places: pd.DataFrame = field(default_factory=pd.DataFrame)   # each draw's sized places (demand-led)
    scenario_draws: int | None = None         # draws whose scenarios ran (all but those judged first and rejected)


def composed(overrides: list[str]) -> dict:
    """The configuration ``python -m sim`` composes from ``overrides``, unresolved, as plain data: what a
    study writes each draw into."""
    cfg = compose(overrides)
    from omegaconf import OmegaConf
    data = OmegaConf.to_container(cfg, resolve=False)
    data.pop("hydra", None)
    return data


def fitting(names, overrides: list[str]) -> list[str]:
    """Those of the scenarios ``names`` whose levers fit the network ``overrides`` choose."""
    out = []
    for name in names:
        cfg = apply.to_config(composed([*overrides, f"scenario={name}"]))
        if not misfits(cfg.get("scenario"), cfg["network"]):
            out.append(name)
    return out


class Study:
    def __init__(self, settings: Settings):
        self.settings = settings
        started = time.perf_counter()
        s = settings
        if s.scenarios is None:
            s.scenarios = fitting(SCENARIOS, s.overrides)
        self.base = {name: composed([*s.overrides, f"scenario={name}"]) for name in s.scenarios}
        unfit = []
        for name, data in self.base.items():
            cfg = apply.to_config(data)
            missing = misfits(cfg.get("scenario"), cfg["network"])
            if missing:
                network = cfg["network"].get("name")
                unfit.append(ConfigError("--scenarios", name, f"a scenario whose levers fit the network {network} "
                                         f"(these name what {network} does not have: {'; '.join(missing[:3])}"
                                         f"{'; ...' if len(missing) > 3 else ''}; a scenario without levers, such as "
                                         "do_nothing, fits every network)"))
        if unfit:
            raise ConfigErrors(unfit)
        if not self.base:
            raise ConfigError("--scenarios", ",".join(s.scenarios), "at least one scenario")
        first = apply.to_config(next(iter(self.base.values())))
        self.network = first["network"]
        self.run_cfg = first["run"]
        self.years = list(s.years) if s.years else [int(self.run_cfg["year"])]
        self.calibration = None
        self.learning: dict[int, dict[str, dict]] = {}
        self.targets: dict[str, dict] = {}                 # the 2017/18 targets and the learning years' (<metric>@<year>)
        self.discrepancy_sds: dict[str, float] = {}
        if s.history_match != "none":
            spec = first["place"].get("calibration") or {}
            if not spec.get("targets") or spec.get("network") != first["network"].get("name"):
                raise ConfigError("--history-match", s.history_match, "none: this place and network have no calibration "
                                  "targets (place.calibration.targets for this network)")
            self.calibration = spec
            self.base[CALIBRATION] = composed([*s.overrides, "scenario=baseline", f"run.year={int(spec['year'])}"])
            self.learning = learning.targets(str(first["place"].get("name"))) if s.learning_years else {}
            for year in self.learning:
                self.base[learning.label(year)] = composed(learning.overrides(s.overrides, year))
            self.targets = learning.judged_targets(spec["targets"], self.learning)
            self.discrepancy = discrepancy.load(s.discrepancy)
            self.discrepancy_sds = discrepancy.standard_deviations(self.discrepancy, self.targets)
        elif s.refocus is not None:
            raise ConfigError("--refocus", str(s.refocus), "a study with history matching (--history-match reject, weight "
                                                           "or report): a wave is refocused on the calibration targets")
        if s.judge_first and s.history_match != "reject":
            raise ConfigError("--judge-first", s.history_match, "--history-match reject: only a draw history matching "
                                                                "rejects can go without its scenarios' runs")
        for data in self.base.values():
            runner.check(apply.to_config(data))          # bad overrides fail before anything is drawn
        self.ranges = ranges.load(s.ranges)
        self.resolved = apply.resolve(self.ranges, self.base, register.scenario_keys())
        self.refocused: dict | None = None
        self.seed_offset = 0                  # a refocused wave's draws take the seeds after the earlier wave's
        self.seeds: dict[int, int] = {}       # seeds read back for draws (a re-check of a committed study): used as they are
        self.setup_seconds = time.perf_counter() - started

    @property
    def names(self) -> list[str]:
        return self.ranges.names

    @property
    def design_names(self) -> list[str]:
        """The design's columns: the ranges, and in a Morris design :data:`~sampling.CHANCE` last."""
        return [*self.names, sampling.CHANCE] if self.settings.design == "morris" else self.names

    def labels(self) -> list[tuple[str, int]]:
        """(scenario, year) of every run of a draw."""
        out = [(name, year) for name in self.settings.scenarios for year in self.years]
        if self.calibration is not None:
            out.append((CALIBRATION, int(self.calibration["year"])))
            out += [(learning.label(year), year) for year in self.learning]
        return out

    def judged_labels(self, judged: bool = True) -> list[tuple[str, int]]:
        """(scenario, year) of the runs history matching judges: the calibration baseline and the learning years
        (with ``judged=False``, the others: the scenarios' runs)."""
        return [(label, year) for label, year in self.labels() if learning.is_judged(label) == judged]

    def design(self) -> np.ndarray:
        s = self.settings
        if s.refocus is None:
            unit = sampling.unit_design(s.design, len(self.names), s.draws, s.seed, s.trajectories_levels)
            return sampling.with_chance(unit, len(self.names)) if s.design == "morris" else unit
        waves = refocus.load_waves(s.refocus, self.resolved)
        points, emulators, info = refocus.refocus([(unit, baseline) for _, unit, baseline in waves],
                                                  self.targets, s.draws + int(np.ceil(SPARE * s.draws)),
                                                  threshold=s.threshold, discrepancy_sds=self.discrepancy_sds, seed=s.seed,
                                                  names=self.names, n_jobs=s.n_jobs,
                                                  noise=[refocus.wave_noise(folder) for folder, _, _ in waves],
                                                  cache=Path(self.run_cfg.get("cache_dir") or cache.DEFAULT_DIR) / "emulators",
                                                  force=bool(self.run_cfg.get("force", False)))
        if not len(points):
            raise ConfigError("--refocus", str(s.refocus), "an earlier wave whose emulators leave some of the ranges not "
                                                           "ruled out (they rule out every candidate)")
        # A point whose values the model refuses (an escalation limit drawn above its base capacity, say) is no world
        # the model can run: it stands outside the prior's support, so another point not ruled out takes its place.
        refused = self.refused(sampling.values(self.resolved, points))
        kept = [i for i in range(len(points)) if i not in refused][:s.draws]
        self.refocused = {"from": str(s.refocus), "chain": [str(folder) for folder, _, _ in waves],
                          "emulators": emulators, **info,
                          "refused": {"points": len(refused), "reasons": sorted({str(e) for e in refused.values()})}}
        self.seed_offset = info["draws_fitted"]     # every earlier wave's draws had seeds before these
        return points[kept]

    def refused(self, values: pd.DataFrame) -> dict[int, ConfigError]:
        """The draws (rows of ``values``, by position) whose values give some scenario or year a configuration the
        model refuses, with the first problem found: each draw's every run is checked as the model would build it."""
        found: dict[int, ConfigError] = {}
        checked = []
        for i, row in enumerate(values.to_dict("records")):
            for label, year in self.labels():
                try:
                    checked.append((i, self.job(i, label, year, row, 0, 1).config))
                except ConfigErrors as error:              # refused as the values are written in
                    found.setdefault(i, error.errors[0])
                except ConfigError as error:
                    found.setdefault(i, error)
        checked = [(i, cfg) for i, cfg in checked if i not in found]
        problems = Parallel(n_jobs=self.settings.n_jobs)(delayed(refusal)(cfg) for _, cfg in checked)
        for (i, _), problem in zip(checked, problems):
            if problem is not None:
                found.setdefault(i, ConfigError(*problem))
        return dict(sorted(found.items()))

    def draw_seed(self, draw: int) -> int:
        """Draw ``draw``'s seed, shared by every scenario and year of it: its own, or in a Morris design its
        trajectory's, so the points along a trajectory run on common random numbers and an elementary effect is
        the range's step, not the chance of two seeds; the trajectory's last point, its step of
        :data:`~sampling.CHANCE`, runs on a seed after every trajectory's."""
        if draw in self.seeds:
            return self.seeds[draw]
        if self.settings.design == "morris":
            draw, step = divmod(draw, len(self.names) + 2)  # a trajectory is k + 2 consecutive points
            if step == len(self.names) + 1:
                draw += self.settings.draws
        return runs.job_seed(int(self.run_cfg["seed"]), self.seed_offset + draw)

    def job(self, draw: int, label: str, year: int, values: dict, seed: int, replications: int,
            scale: dict | None = None) -> runs.Job:
        data, _ = apply.apply(self.resolved, label, values, draw)
        cfg = apply.to_config(data)
        cfg["run"] = {**cfg["run"], "year": year, "seed": seed, "replications": replications, "n_jobs": 1}
        if scale:
            cfg["capacity_policy"] = {**cfg["capacity_policy"], "scale": scale}
        return runs.Job(draw, label, year, cfg)

    def sized_labels(self) -> list[tuple[str, int]]:
        """(scenario, year) of the runs whose places are sized for each draw: the scenarios' runs under a
        demand-led table (not the calibration baseline, judged on the places the base year had)."""
        if not self.settings.size_places:
            return []
        return [(label, year) for label, year in self.labels()
                if not learning.is_judged(label) and places.follows_table(apply.to_config(self.base[label]))]

    def size_places(self, values: pd.DataFrame, stats: runs.RunStats) -> tuple[dict, pd.DataFrame]:
        """Each draw's ``capacity_policy.scale`` by (draw, scenario, year), from its unconstrained runs and
        the central draw's (:mod:`sim.uncertainty.places`), and the table of the places it gives."""
        s, seed = self.settings, int(self.run_cfg["seed"])
        labels = self.sized_labels()
        if not labels:
            return {}, pd.DataFrame()
        central = sampling.central_values(self.resolved)
        wanted = [(-1, label, year, central, seed, s.noise_replications) for label, year in labels]
        wanted += [(d, label, year, row, self.draw_seed(d), s.replications)
                   for d, row in zip(values.index, values.to_dict("records")) for label, year in labels]
        jobs, rows = [], {}
        for draw, label, year, row, job_seed, replications in wanted:
            job = self.job(draw, label, year, row, job_seed, replications)
            rows[(label, year)] = places.table_rows(job.config, year)
            jobs.append(runs.Job(draw, label + places.UNCONSTRAINED, year,
                                 places.unconstrained(job.config, rows[(label, year)])))
        measured = runs.run_jobs(jobs, s.n_jobs, s.backend, s.progress, stats, s.address)
        loads = {(job.draw, job.scenario.removesuffix(places.UNCONSTRAINED), job.year):
                 places.loads(measured[(measured["draw"] == job.draw) & (measured["scenario"] == job.scenario)
                                       & (measured["year"] == job.year)], rows[(job.scenario.removesuffix(places.UNCONSTRAINED), job.year)])
                 for job in jobs}
        scale, table = {}, []
        for (draw, label, year), load in loads.items():
            if draw < 0:
                continue
            centre = loads[(-1, label, year)]
            scale[(draw, label, year)] = places.factors(load, centre)
            for row in rows[(label, year)].to_dict("records"):
                key = (row["service"], row["part"])
                factor = load[key] / centre[key] if centre[key] > 0 else 1.0
                table.append({"draw": draw, "scenario": label, "year": year, "service": row["service"], "part": row["part"],
                              "load": load[key], "central_load": centre[key], "factor": factor,
                              "table_places": int(row["places"]),
                              "places": capacity_policy.scaled_places(row, factor) if factor != 1.0 else int(row["places"])})
        return scale, pd.DataFrame(table)

    def jobs(self, values: pd.DataFrame, scale: dict | None = None,
             labels: list[tuple[str, int]] | None = None) -> tuple[list[runs.Job], list[runs.Job]]:
        """The central runs and every draw's runs (each draw's places sized for it by ``scale``, keyed by
        draw, scenario and year; only the ``(scenario, year)`` of ``labels``, if given), each draw checked before any
        runs.  ``values``' index numbers the draws (their seeds follow it)."""
        s, seed = self.settings, int(self.run_cfg["seed"])
        central = sampling.central_values(self.resolved)
        centre = [self.job(-1, label, year, central, seed, s.noise_replications) for label, year in self.labels()]
        drawn, errors = [], []
        for d, row in zip(values.index, values.to_dict("records")):    # the index: each draw's number
            for label, year in labels if labels is not None else self.labels():
                try:
                    drawn.append(self.job(d, label, year, row, self.draw_seed(d), s.replications,
                                          (scale or {}).get((d, label, year))))
                except ConfigErrors as error:
                    errors += error.errors
                except ConfigError as error:
                    errors.append(error)
        if errors:
            raise ConfigErrors(list({str(e): e for e in errors}.values()))    # once, not once per scenario
        return centre, drawn

    def run(self) -> Outcome:
        s = self.settings
        started = time.perf_counter()
        unit = self.design()
        values = sampling.values(self.resolved, unit)
        self.jobs(values)                          # every draw's values written into its configurations
        if self.refocused is None:                 # (a refocused wave's points were checked as they were chosen)
            refused = self.refused(values)
            if refused:
                raise ConfigErrors([ConfigError(f"draw {i} of the design: {e.key}", e.value,
                                                f"{e.allowed} (the model refuses this draw's values: narrow the range "
                                                "that sets the key, or bound it with apply: odds)")
                                    for i, e in refused.items()])
        setup = self.setup_seconds + time.perf_counter() - started
        stats = runs.RunStats()
        with cluster.session() if s.backend == "ray" else contextlib.nullcontext():   # one Ray for every run
            if s.judge_first:
                table, central, sized, sizing, scenario_draws = self._judged_first(values, stats)
            else:
                scenario_draws = len(values)
                sizing_started = time.perf_counter()
                scale, sized = self.size_places(values, stats)
                sizing = time.perf_counter() - sizing_started
                centre, drawn = self.jobs(values, scale)
                central = runs.run_jobs(centre, s.n_jobs, s.backend, s.progress, stats, s.address).drop(columns="draw")
                table = runs.run_jobs(drawn, s.n_jobs, s.backend, s.progress, stats, s.address)
        seeds = [self.draw_seed(d) for d in range(len(values))]
        draws = pd.concat([pd.DataFrame({"draw": range(len(values)), "seed": seeds}), values], axis=1)
        return Outcome(self.resolved, unit, draws, table, central, stats,
                       {"setup_seconds": round(setup, 2), "sizing_seconds": round(sizing, 2),
                        "run_seconds": round(stats.seconds, 2)}, sized, scenario_draws=scenario_draws)

    def _judged_first(self, values: pd.DataFrame, stats: runs.RunStats):
        """The runs of a study that judges first: the central runs, then every draw's judged runs, then, for the draws
        history matching keeps, their places and their scenarios' runs.  Each job has the seed and configuration it
        would have had run whole, so a kept draw's results are the same, number for number; a rejected draw's
        scenarios, which no headline counts, are not run (about three quarters of a draw's run time)."""
        s = self.settings
        centre, judged = self.jobs(values, labels=self.judged_labels())
        central = runs.run_jobs(centre, s.n_jobs, s.backend, s.progress, stats, s.address).drop(columns="draw")
        first = runs.run_jobs(judged, s.n_jobs, s.backend, s.progress, stats, s.address)
        implausible, _, _ = judging.judged_implausibility(self, first, central)
        kept = history.weights(implausible, "reject", s.threshold)
        ahead = values.loc[values.index.isin(kept.index[kept > 0])]
        sizing_started = time.perf_counter()
        scale, sized = self.size_places(ahead, stats)
        sizing = time.perf_counter() - sizing_started
        _, drawn = self.jobs(ahead, scale, self.judged_labels(judged=False))
        rest = runs.run_jobs(drawn, s.n_jobs, s.backend, s.progress, stats, s.address)
        return pd.concat([first, rest], ignore_index=True), central, sized, sizing, len(ahead)


def derive(reps: pd.DataFrame, metrics: list[str] | None) -> pd.DataFrame:
    """Replications with the bed need and the paired differences from do-nothing added, for ``metrics``."""
    reps = summary.with_runaway(summary.with_bed_need(reps))
    if metrics:
        reps = reps[reps["metric"].isin(set(metrics) | set(summary.COSTS) | {summary.RUNAWAY})]
    if summary.REFERENCE in set(reps["scenario"]):
        reps = pd.concat([reps, summary.paired_differences(reps)], ignore_index=True)
    if metrics:
        reps = reps[reps["metric"].isin(set(metrics) | {summary.SAVING, summary.MODELLED_SAVING, summary.RUNAWAY})]
    return reps


def psa_table(outcome: Outcome, metrics: list[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``psa`` (draw means) and the paired replications behind it, for the metrics asked for."""
    reps = derive(outcome.replications[~outcome.replications["scenario"].map(learning.is_judged)], metrics)
    return summary.draw_means(reps), reps
