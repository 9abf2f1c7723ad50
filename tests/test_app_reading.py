"""The web app read as a clinician or planner reads it, in headless Chromium (as tests/test_app.py drives it):
labels with units on the headline, over-time and compare tabs, no interval outside a metric's bounds, the
pathway diagram, and the one-page report.

    CAREPATH_SCREENSHOTS=docs/images python -m pytest -p no:xdist tests/test_app_reading.py

also saves the screenshots the docs show (``docs/images/app_*.png``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.importorskip("shiny")
pytest.importorskip("playwright.sync_api")

from tests.test_app import app, beds, browser, download, open_page, run, short_runs  # noqa: F401  (fixtures too)

SCREENSHOTS = os.environ.get("CAREPATH_SCREENSHOTS")
NUMBER = r"-?[\d,]+(?:\.\d+)?"


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.set_viewport_size({"width": 1400, "height": 1300})     # the tab's whole table or figure
        page.wait_for_timeout(800)                        # the plot's image settles
        page.screenshot(path=str(Path(SCREENSHOTS) / f"app_{name}.png"), full_page=True)


def cells(page, table: str) -> list[dict[str, str]]:
    """The rows of a table on the page, each as column -> text."""
    locator = page.locator(f"{table} table")
    locator.wait_for(timeout=120_000)
    head = [h.inner_text().strip() for h in locator.locator("thead th").all()]
    return [dict(zip(head, [c.inner_text().strip() for c in row.locator("td").all()]))
            for row in locator.locator("tbody tr").all()]


def value(text: str) -> float:
    return float(text.replace(",", ""))


def test_results_read_with_labels_units_bounded_intervals_and_the_pathway(browser, app, tmp_path):  # noqa: F811
    page = open_page(browser, app)
    beds(page).fill("480")                               # fewer acute beds than the reference: changes to read
    short_runs(page)
    run(page)

    rows = cells(page, "#headline")
    assert {"measure", "unit", "mean", "95% interval", "metric"} <= set(rows[0])
    assert "P10" not in rows[0]                          # the committed study is of other settings: no empty columns
    shown = {r["metric"]: r for r in rows}
    assert shown["ae_4h_pct"]["measure"] == "A&E patients within 4 hours" and shown["ae_4h_pct"]["unit"] == "%"
    assert shown["ae_12h_waits"]["unit"] == "patients" and shown["total_cost_gbp"]["unit"] == "£"
    for row in rows:
        match = re.fullmatch(f"({NUMBER}) to ({NUMBER})", row["95% interval"])
        assert match, row
        low, high = value(match.group(1)), value(match.group(2))
        assert low >= 0, row                             # counts, times, costs: never below zero
        if row["unit"] == "%":
            assert high <= 100, row
    shoot(page, "headline")

    page.get_by_role("tab", name="Over time").click()
    page.locator("#over_time img").wait_for(timeout=60_000)
    chosen = page.locator("#services option[value='acute']")                             # services by their labels
    chosen.wait_for(state="attached", timeout=60_000)
    assert chosen.text_content() == "General and acute beds (acute)"
    measures = page.get_by_label("Show").inner_text()
    assert "places in use" in measures and "waiting list (patients)" in measures
    shoot(page, "over_time")

    page.get_by_role("tab", name="Pathway").click()
    diagram = page.locator("#pathway-diagram svg")
    diagram.wait_for(timeout=60_000)
    words = " ".join(page.locator("#pathway-diagram svg tspan").all_text_contents())
    for service in ("General and acute beds", "Single point of access", "Same-day emergency care", "Died"):
        assert service in words, service
    assert page.locator("#pathway-diagram svg path").count() > 50             # an arrow for every route
    shoot(page, "pathway")

    page.get_by_role("tab", name="Compare").click()
    page.get_by_label("Reference scenario").select_option("do_nothing")
    page.get_by_role("button", name="Compare", exact=True).click()
    compared = cells(page, "#comparison")
    assert {"measure", "unit", "difference", "95% interval", "change", "better or worse"} <= set(compared[0])
    assert any(r["unit"] == "%" and r["change"].endswith("points") for r in compared)
    assert any(r["better or worse"].startswith(("better", "worse")) for r in compared)
    shoot(page, "compare")

    page.get_by_role("tab", name="Downloads").click()
    report = download(page, "download_report_html", tmp_path).read_text()
    assert "against do_nothing" in report and "A&amp;E patients within 4 hours" in report and "carepath run" in report
    assert download(page, "download_report_pdf", tmp_path).read_bytes().startswith(b"%PDF")


def test_settings_saved_from_the_page_load_back_into_its_fields(browser, app, tmp_path):  # noqa: F811
    page = open_page(browser, app)
    page.get_by_role("button", name="Scenario", exact=True).click()
    page.locator("#group_scenario").select_option("uk_comparator")
    # the scenario's levers drawn: its place counts are redrawn with them, so a value typed now stays
    page.get_by_role("button", name="Levers", exact=True).click()
    page.locator("[id^=set_scenario__levers]").first.wait_for(timeout=60_000)
    page.get_by_role("spinbutton", name="General and acute beds").fill("480")
    short_runs(page)
    saved = download(page, "download_settings", tmp_path)
    text = saved.read_text()
    assert "carepath: settings" in text and "capacity.acute_beds=480" in text and "scenario=uk_comparator" in text

    page = open_page(browser, app)                       # a new session, every field at its default
    page.locator("#settings_upload").set_input_files(str(saved))
    page.wait_for_function("document.getElementById('group_scenario').value === 'uk_comparator'", timeout=60_000)
    page.wait_for_function("document.querySelector('[id=\"set_capacity__acute_beds\"]') && "
                           "document.querySelector('[id=\"set_capacity__acute_beds\"]').value === '480'", timeout=60_000)
    page.get_by_role("button", name="Run settings").click()
    assert page.get_by_role("spinbutton", name="Replications").input_value() == "2"
    assert page.get_by_role("textbox", name="Other settings").input_value() == "run.horizon_days=30 run.warmup_days=5"
    shoot(page, "settings")

    bad = tmp_path / "notes.yaml"
    bad.write_text("shopping: [milk]\n")
    page.locator("#settings_upload").set_input_files(str(bad))
    page.get_by_role("alert").get_by_text("no 'carepath: settings' line").wait_for(timeout=60_000)
    assert page.locator("#group_scenario").input_value() == "uk_comparator"           # the page left as it was
