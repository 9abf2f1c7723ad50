"""The engine against queueing theory and against Ciw (the checks of :mod:`sim.validate`)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import theory
from sim.studies import validate


def test_erlang_formulas_against_known_values():
    assert theory.erlang_b(1, 1.0) == pytest.approx(0.5)
    assert theory.erlang_b(10, 9.0) == pytest.approx(0.16796, abs=1e-5)       # Erlang B tables
    assert theory.erlang_c(1, 0.9) == pytest.approx(0.9)                      # M/M/1: P(wait) = rho
    assert theory.mmc_wait_mean(0.9, 1, 1.0) == pytest.approx(9.0)            # rho / (mu - lam)
    assert theory.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        theory.erlang_c(2, 2.0)


def test_infinite_server_formula_closed_form_matches_quadrature(monkeypatch):
    t = np.linspace(0, 7, 15)
    closed = theory.infinite_server_mean(t, 20.0, 0.5, 7.0, 2.0)
    monkeypatch.setattr(theory, "_stay_survival", lambda mean, cv: (lambda u: math.exp(-u / mean)))
    numeric = theory.infinite_server_mean(t, 20.0, 0.5, 7.0, 2.0, los_cv=1.5)
    np.testing.assert_allclose(numeric, closed, rtol=1e-6)
    omega = 2 * math.pi / 7
    assert theory.infinite_server_peak_lag(7.0, 2.0) == pytest.approx(math.atan(omega * 2.0) / omega)


def test_daily_fit_recovers_a_sinusoid():
    days = np.arange(70)
    period, lag = 7.0, 1.3
    omega = 2 * math.pi / period
    # exact daily means of 10 + 3 sin(w (t - lag))
    values = 10 + 3 * (np.cos(omega * (days - lag)) - np.cos(omega * (days + 1 - lag))) / omega
    mean, amplitude, fitted_lag = theory.daily_sinusoid_fit(days, values, period)
    assert (mean, amplitude, fitted_lag) == pytest.approx((10, 3, lag))


def _assert_pass(rows):
    table = pd.DataFrame(rows)
    failing = table[~table["passes"]]
    assert failing.empty, failing[["parameters", "metric", "model_mean", "ci95_low", "ci95_high", "reference"]].to_string()
    return table


@pytest.mark.parametrize("check", ["mmc", "erlang_b", "mt_g_inf", "tandem", "little"])   # 2-30 s each: default tier
def test_engine_agrees_with_theory_and_ciw(check):
    table = _assert_pass(validate.CHECKS[check](validate.QUICK))
    assert len(table) >= 3
    if check == "mmc":      # heavy load is covered
        assert any("rho=0.9" in p for p in table["parameters"])
    if check == "little":   # every short-stay Walsall service, and the exact identity
        # (intermediate care beds, with their waits for social care, stay longer than a tenth of the period: the
        # exact identity covers them)
        assert {"acute", "ae", "ic_home", "spa", "sdec", "utc"} <= set(table["parameters"])


def test_validate_command_writes_table_and_figure(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MT_SETS", validate.MT_SETS[:1])
    code = validate.main(["--quick", "--only", "mt_g_inf", "--out", str(tmp_path)])
    assert code == 0
    checks = pd.read_csv(tmp_path / "checks.csv")
    assert {"model_mean", "ci95_low", "ci95_high", "reference", "passes"} <= set(checks.columns)
    assert (tmp_path / "validation.png").stat().st_size > 10_000
    assert "checks pass" in (tmp_path / "README.md").read_text()
