"""Behaviour of a service node: places, waiting list, blocking after service, loss, reneging, rota."""
from __future__ import annotations

import pytest

from sim.engine.distributions import Fixed
from sim.engine.service import Service


def test_free_place_starts_at_once_and_fifo_waits(line, patient):
    ward = line.service("ward", 1, 2.0)
    line.wire()
    for t in (0.0, 0.5, 1.0):
        line.arrive(t, "ward", patient)
    line.env.run(until=10)
    # Starts at 0, 2, 4: waits 0, 1.5, 3.
    assert ward.started == 3 and ward.left == 3
    assert ward.wait_sum == pytest.approx(4.5)
    assert ward.waited == 2
    assert ward.snapshot()["area_place"] == pytest.approx(6.0)       # busy 0-6
    assert ward.snapshot()["area_waiting"] == pytest.approx(1.5 + 3.0)


def test_full_downstream_keeps_patient_in_acute_bed(line, patient):
    """Blocking after service: a medically fit patient stays in the acute bed until step-down has room."""
    acute = line.service("acute", 1, 1.0, next_="step_down", blocking=True)
    step_down = line.service("step_down", 1, 5.0)
    line.wire()
    line.arrive(0.0, "acute", patient)
    line.arrive(0.0, "acute", patient)
    line.env.run(until=20)
    # p1: acute 0-1, step-down 1-6. p2: acute 1-2, blocked 2-6, step-down 6-11.
    assert acute.blocked_sum == pytest.approx(4.0)
    assert acute.blocked_n == 1
    assert acute.snapshot()["area_blocked"] == pytest.approx(4.0)
    assert acute.snapshot()["area_place"] == pytest.approx(6.0)      # occupied 0-6 including the delayed days
    assert step_down.started == 2
    assert step_down.wait_sum == pytest.approx(4.0)    # p2 waited for step-down while holding the acute bed
    assert step_down.waiting == 0 and step_down.snapshot()["area_waiting"] == 0  # ... so never on step-down's own waiting list


def test_blocked_patient_frees_the_upstream_place_for_the_next(line, patient):
    acute = line.service("acute", 1, 1.0, next_="step_down", blocking=True)
    line.service("step_down", 1, 5.0)
    line.wire()
    for t in (0.0, 0.0, 0.0):
        line.arrive(t, "acute", patient)
    line.env.run(until=3)
    # p1 in step-down, p2 blocked in the only acute bed, p3 waiting for acute.
    assert acute.in_place == 1 and acute.blocked == 1 and acute.waiting == 1


def test_non_blocking_service_releases_before_the_next_queue(line, patient):
    spa = line.service("spa", 1, 0.1, next_="team")
    team = line.service("team", 1, 10.0)
    line.wire()
    line.arrive(0.0, "spa", patient)
    line.arrive(0.0, "spa", patient)
    line.env.run(until=1)
    assert spa.in_place == 0 and spa.snapshot()["area_blocked"] == 0
    assert team.in_place == 1 and team.waiting == 1      # the second referral waits at home


def test_full_caseload_makes_referrals_wait(line, patient):
    team = line.service("team", 2, 30.0)
    line.wire()
    for t in (0.0, 1.0, 2.0, 3.0):
        line.arrive(t, "team", patient)
    line.env.run(until=100)
    # Starts 0, 1, 30, 31: the 3rd and 4th referrals wait 28 days each.
    assert team.waited == 2
    assert team.wait_sum == pytest.approx(56.0)


def test_ae_boarding_when_beds_are_full(line, patient):
    ae = line.service("ae", 5, 2 / 24, next_="acute", blocking=True, sojourn_limits={"4h": 4 / 24, "12h": 0.5})
    acute = line.service("acute", 1, 3.0)
    line.wire()
    line.arrive(0.0, "ae", patient)
    line.arrive(0.0, "ae", patient)
    line.env.run(until=10)
    # Second patient decided at 2 h, boards in A&E until the bed frees at 2 h + 3 days.
    assert ae.blocked_sum == pytest.approx(3.0)
    assert ae.sojourn_over == [1, 1]                  # one 4-hour and one 12-hour breach
    assert acute.started == 2


def test_zero_queue_capacity_loses_arrivals(line, patient):
    ward = line.service("ward", 1, 1.0, queue_capacity=0)
    lost = line.sink("lost")
    line.wire()
    line.arrive(0.0, "ward", patient)
    line.arrive(0.5, "ward", patient)
    line.env.run(until=5)
    assert ward.lost == 1 and ward.offered == 2 and ward.arrived == 1
    assert lost.count == 1


def test_queue_capacity_limits_the_waiting_list(line, patient):
    ward = line.service("ward", 1, 1.0, queue_capacity=1)
    line.sink("lost")
    line.wire()
    for t in (0.0, 0.1, 0.2, 0.3):
        line.arrive(t, "ward", patient)
    line.env.run(until=5)
    assert ward.lost == 2 and ward.started == 2


def test_patience_runs_out_on_the_waiting_list(line, patient):
    ward = line.service("ward", 1, 5.0, patience=Fixed(line.random["p"], 1.0))
    gave_up = line.sink("reneged")
    line.wire()
    line.arrive(0.0, "ward", patient)
    line.arrive(0.0, "ward", patient)
    line.env.run(until=10)
    assert ward.reneged == 1 and gave_up.count == 1
    assert ward.snapshot()["area_waiting"] == pytest.approx(1.0)
    assert ward.started == 1


def test_patients_own_patience_overrides_and_applies_once(line, patient):
    ward = line.service("ward", 1, 5.0)
    cancelled = line.sink("cancelled")
    line.wire()
    fixed = Fixed(line.random["q"], 0.5)
    line.arrive(0.0, "ward", patient)
    line.arrive(0.0, "ward", patient, patience=fixed, renege_to=cancelled)
    line.env.run(until=10)
    assert cancelled.count == 1 and ward.reneged == 1


def test_balking_patient_leaves_when_no_place_is_free(line, patient):
    ward = line.service("ward", 1, 1.0)
    lost = line.sink("lost")
    line.wire()
    line.arrive(0.0, "ward", patient)
    line.arrive(0.5, "ward", patient, balks=True)
    line.arrive(2.0, "ward", patient, balks=True)
    line.env.run(until=5)
    assert ward.lost == 1 and lost.count == 1 and ward.started == 2


def test_priority_serves_step_down_before_step_up(line, patient, monkeypatch):
    line.service("ic", 1, 2.0, priority={"acute": 0})
    line.wire()
    line.arrive(0.0, "ic", patient)
    line.arrive(0.1, "ic", patient, origin="spa")
    line.arrive(0.2, "ic", patient, origin="acute")
    order = []
    original = Service._admit

    def record(service, p, holder):
        order.append(p.id)
        original(service, p, holder)
    monkeypatch.setattr(Service, "_admit", record)
    line.env.run(until=10)
    assert order == [1, 3, 2]


def test_priority_names_the_service_not_its_site_instance(line, patient):
    """A step-down from one site's acute beds (``acute_manor``) comes from ``acute``: it keeps its priority."""
    acute_manor = line.service("acute_manor", 1, 1.0, next_="ic", blocking=True, group="acute")
    ic = line.service("ic", 1, 5.0, priority={"acute": 0})
    line.wire()
    line.arrive(0.0, "ic", patient)                  # in the bed 0-5
    line.arrive(0.5, "ic", patient, origin="spa")    # step-up, waiting from 0.5
    line.arrive(0.0, "acute_manor", patient)         # medically fit at 1, waits in the acute bed
    line.env.run(until=20)
    assert ic.by_origin == {"stream": 1, "spa": 1, "acute": 1}
    assert acute_manor.blocked_sum == pytest.approx(4.0)    # step-down first at 5 ...
    assert ic.wait_sum == pytest.approx(4.0 + 9.5)          # ... the step-up patient at 10


def test_rota_capacity_change_starts_waiting_patients(line, patient):
    ward = line.service("ward", 0, 1.0)
    line.wire()
    line.arrive(0.0, "ward", patient)
    line.env.run(until=2)
    assert ward.started == 0 and ward.waiting == 1
    ward.set_capacity(1)
    assert ward.started == 1 and ward.waiting == 0


def test_reduced_capacity_turns_nobody_out(line, patient):
    ward = line.service("ward", 2, 3.0)
    line.wire()
    line.arrive(0.0, "ward", patient)
    line.arrive(0.0, "ward", patient)
    line.arrive(0.0, "ward", patient)
    line.env.run(until=1)
    ward.set_capacity(1)
    assert ward.in_place == 2
    line.env.run(until=3.5)
    # Both left at 3; with one place the third patient started only when the second of them left.
    assert ward.in_place == 1 and ward.waiting == 0
    assert ward.wait_sum == pytest.approx(3.0)


def test_sink_returns_patients_for_readmission(line, patient):
    from sim.engine.routing import AttributeTable
    acute = line.service("acute", 5, 1.0, readmission_days=30)
    home = line.nodes["home"]
    line.wire()
    home.configure_returns(AttributeTable(1.0, "p", {}), Fixed(line.random["d"], 10.0), acute, "readmission",
                           line.random["ret"])
    line.arrive(0.0, "acute", patient)
    line.env.run(until=15)
    assert acute.arrived == 2 and acute.readmissions == 1
    assert home.returned == 1


def test_a_patient_back_sicker_stays_longer_once(line, patient):
    """A return with ``longer_stay`` lengthens the returning patient's next stay at that service, and only it."""
    from sim.engine.routing import AttributeTable
    acute = line.service("acute", 5, 1.0)
    home = line.nodes["home"]
    line.wire()
    home.configure_returns(AttributeTable(1.0, "p", {}), Fixed(line.random["d"], 10.0), acute, "readmission",
                           line.random["ret"], longer_stay=("acute", 2.0))
    made = []
    line.arrive(0.0, "acute", lambda now: made.append(patient(now)) or made[-1])
    line.env.run(until=20)
    # in 0-1 (a day), home, back at 11 for two days (13), home, due back at 23
    assert acute.arrived == 2 and acute.place_sum == pytest.approx(3.0)
    assert made[0].longer_stay is None and home.pending == 1   # used up; owed again only when they return


def test_revise_takes_every_revisable_setting_and_nothing_else(line):
    """A new year's spec changes the settings named in REVISABLE, each as a new service would take it;
    every other field of the spec holds for the run."""
    from dataclasses import fields, replace

    from sim.engine.caseload import CrisisRegistry
    from sim.engine.spec import REVISABLE, ServiceSpec

    fixed = {"name", "capacity", "group", "label", "blocking", "sojourn_limits", "wait_limits"}
    assert set(REVISABLE) | fixed == {f.name for f in fields(ServiceSpec)} and not set(REVISABLE) & fixed
    registry = CrisisRegistry()
    first = ServiceSpec("ward", 2, Fixed(line.random["a"], 1.0), sojourn_limits={"4h": 4 / 24})
    new = replace(first, los=Fixed(line.random["b"], 2.0), patience=Fixed(line.random["c"], 0.5),
                  holding_patience=Fixed(line.random["d"], 0.25), priority={"acute": 0}, default_priority=3,
                  queue_capacity=4, crisis_reduction=0.2, readmission_days=30.0, pathway_labels={"home": "P0"},
                  corridor_places=5.0, route_on_start=True)
    assert all(getattr(new, f) != getattr(first, f) for f in REVISABLE)
    ward = Service(line.env, first, registry)
    ward.revise(new)
    fresh = Service(line.env, new, registry)
    for f in (*REVISABLE, "registry", "spec", "capacity", "sojourn_limits"):
        assert getattr(ward, f) == getattr(fresh, f), f
    assert ward.registry is registry and ward.queue_capacity == 4
