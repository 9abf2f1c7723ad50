"""The web app in a real browser: headless Chromium (Debian's) drives ``python -m sim.app`` as a user would.

Playwright is pointed at ``/usr/bin/chromium`` (nothing downloads a browser of its own; ``.ci/run``
installs Debian's), with ``--no-sandbox`` because CI runs as root.  Runs are short (30 days, 2
replications) so the journey takes about a minute.
"""
from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytest.importorskip("shiny")
sync_api = pytest.importorskip("playwright.sync_api")

from sim.analysis.report import number  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHORT = "run.horizon_days=30 run.warmup_days=5"
RUN_SECONDS = 180


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        message = "Debian's chromium is not installed (apt-get install chromium chromium-driver; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """``python -m sim.app`` on a free port, in a folder of its own (its outputs and cache)."""
    folder = tmp_path_factory.mktemp("app")
    log = (folder / "app.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "sim.app", "--port", "0", "--workers", "2"], cwd=folder,
                               stdout=subprocess.PIPE, stderr=log, text=True)
    ready, _, _ = select.select([process.stdout], [], [], 120)
    line = process.stdout.readline() if ready else ""
    match = re.search(r"http://\S+", line)
    if not match:
        process.kill()
        pytest.fail(f"the app did not print its address: {line!r}; {(folder / 'app.log').read_text()[-2000:]}")
    yield {"url": match.group(0), "folder": folder}
    process.terminate()
    process.wait(30)
    log.close()


def open_page(browser, app):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.goto(app["url"])
    beds(page).wait_for(timeout=60_000)
    return page


def beds(page):
    return page.get_by_role("spinbutton", name="General and acute beds")


def short_runs(page, *more: str) -> None:
    page.get_by_role("button", name="Run settings").click()
    page.get_by_role("spinbutton", name="Replications").fill("2")
    page.get_by_role("textbox", name="Other settings").fill(" ".join([SHORT, *more]))


def run(page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"^Finished:")).first.wait_for(timeout=RUN_SECONDS * 1000)


def headline(page) -> dict[str, str]:
    """metric -> the mean the page shows (columns: measure, unit, mean, ..., the metric's machine name last)."""
    page.locator("#headline table").wait_for(timeout=60_000)
    rows = page.locator("#headline table tbody tr")
    return {rows.nth(i).locator("td").last.inner_text(): rows.nth(i).locator("td").nth(2).inner_text()
            for i in range(rows.count())}


def command(page) -> str:
    page.get_by_role("tab", name="Downloads").click()
    return page.locator("#command").inner_text()


def download(page, output_id: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator(f"#{output_id}").click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def cli_run(overrides: list[str], folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *overrides, *extra], cwd=folder, capture_output=True, text=True,
                          timeout=600)


def test_a_users_journey_change_a_capacity_run_read_compare_download(browser, app, tmp_path):
    page = open_page(browser, app)
    assert page.title() == "carepath"
    about = page.get_by_role("img", name="About General and acute beds")
    about.focus()                                         # keyboard focus shows the unit, default and source
    tip = page.get_by_role("tooltip")
    tip.wait_for()
    assert "Unit: places" in tip.inner_text() and "Default: 533" in tip.inner_text() and "Source:" in tip.inner_text()

    beds(page).fill("500")
    short_runs(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.locator("progress").wait_for(timeout=60_000)     # a progress bar while the workers run
    page.get_by_text(re.compile(r"^Finished:")).first.wait_for(timeout=RUN_SECONDS * 1000)
    shown = headline(page)
    assert {"ae_4h_pct", "acute_occupancy_mean", "total_cost_gbp"} <= set(shown)
    ran = page.locator("#what-ran table").inner_text()      # what the results are of, above them
    assert "Walsall" in ran and "2017/18" in ran and "capacity.acute_beds=500" in ran and "Seed" in ran
    assert "A&E patients within 4 hours" in page.locator("#headline table").inner_text()

    page.get_by_role("tab", name="Compare").click()
    page.get_by_label("Reference scenario").select_option("baseline")
    page.get_by_role("button", name="Compare", exact=True).click()
    caption = page.get_by_text("This run minus baseline")
    caption.wait_for(timeout=RUN_SECONDS * 1000)
    rows = page.locator("#comparison table tbody tr")
    assert rows.count() == len(shown)
    assert " points" in page.locator("#comparison table").inner_text()       # a percentage's change in points
    assert page.locator("#forest img").get_attribute("alt").startswith("Forest plot")

    assert "capacity.acute_beds=500" in command(page)
    summary = pd.read_csv(download(page, "download_summary_csv", tmp_path)).set_index("metric")
    assert number(summary.loc["ae_4h_pct", "mean"]) == shown["ae_4h_pct"]
    config = yaml.safe_load(download(page, "download_config", tmp_path).read_text())
    assert config["capacity"]["acute_beds"] == 500 and config["run"]["horizon_days"] == 30
    comparison = pd.read_csv(download(page, "download_comparison", tmp_path))
    assert set(comparison["reference"]) == {"baseline"} and "acute_occupancy_mean" in set(comparison["metric"])


def test_the_page_shows_the_numbers_python_m_sim_gives_with_the_same_overrides_and_seed(browser, app, tmp_path):
    page = open_page(browser, app)
    page.get_by_role("spinbutton", name="Intermediate care beds").fill("80")
    short_runs(page)
    page.get_by_role("spinbutton", name="Seed").fill("7")
    run(page)
    shown = headline(page)
    line = command(page)
    assert line.startswith("python -m sim ") and "capacity.ic_beds=80" in line and "run.seed=7" in line
    out = tmp_path / "cli"
    cli = cli_run(shlex.split(line)[3:], tmp_path, "run.force=true", f"hydra.run.dir={out}")
    assert cli.returncode == 0, cli.stderr
    printed = {}
    for text in cli.stdout.splitlines():     # the headline the command line prints: measure  unit  mean  [low, high]  metric
        parts = text.split()
        if len(parts) >= 2 and parts[-1] in shown:
            printed[parts[-1]] = text.split("[")[0].split()[-1]
    assert printed == shown
    served = page.locator("text=Outputs on the server:").inner_text().split(":", 1)[1].strip()
    mine = pd.read_csv(app["folder"] / served / "summary.csv")
    theirs = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(mine[["metric", "mean", "ci_low", "ci_high"]], theirs[["metric", "mean", "ci_low", "ci_high"]])


def test_a_bad_value_is_refused_before_anything_runs_in_the_command_lines_words(browser, app, tmp_path):
    page = open_page(browser, app)
    beds(page).fill("-5")
    run_button = page.get_by_role("button", name="Run", exact=True)
    run_button.focus()
    page.keyboard.press("Enter")                          # the keyboard works the page
    alert = page.get_by_role("alert")
    alert.get_by_text("Not run.").wait_for(timeout=60_000)
    cli = cli_run(["capacity.acute_beds=-5"], tmp_path, f"hydra.run.dir={tmp_path / 'out'}")
    assert cli.returncode == 2
    assert cli.stderr.strip() in alert.inner_text()
    assert page.locator("progress").count() == 0 and not page.get_by_text(re.compile(r"^(Queued|Running|Finished)")).count()


def test_sessions_see_only_their_own_runs_which_queue_behind_the_cap_and_cancel(browser, app):
    first, second = open_page(browser, app), open_page(browser, app)

    def start_long_run(page, seed):                       # the default year, 10 replications: both cores
        page.get_by_role("button", name="Run settings").click()
        page.get_by_role("spinbutton", name="Seed").fill(seed)
        page.get_by_role("button", name="Run", exact=True).click()

    start_long_run(first, "11")
    first.get_by_text(re.compile(r"^Running")).wait_for(timeout=60_000)
    assert second.locator("#status").inner_text().strip() == ""       # the other session's run is not shown
    start_long_run(second, "12")
    second.get_by_text(re.compile(r"^Queued: 1 run")).wait_for(timeout=60_000)
    assert first.get_by_text(re.compile(r"^Running")).count() == 1
    first.get_by_role("button", name="Cancel").click()
    first.get_by_text("Cancelled.").wait_for(timeout=30_000)
    second.get_by_text(re.compile(r"^Running")).wait_for(timeout=60_000)   # the queue moves on
    second.get_by_role("button", name="Cancel").click()
    second.get_by_text("Cancelled.").wait_for(timeout=30_000)
    assert first.locator("#status").inner_text().strip() == "Cancelled."


# What the page does with what a browser sends that a command line never gets: empty fields, text in a number
# field, runs too big for a shared page, values the checks do not expect, pages of text.  Nothing of it may run,
# and the page must answer each with a message.

def written(app) -> set[str]:
    """Every file and folder in the app's outputs folder."""
    outputs = app["folder"] / "outputs"
    return {str(p.relative_to(outputs)) for p in outputs.rglob("*")} if outputs.exists() else set()


def press_run(page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()


def field_problem(page, input_id: str) -> str:
    """The problem shown beside a field (which is marked invalid)."""
    note = page.locator(f"#{input_id}-problem")
    note.wait_for(timeout=60_000)
    assert page.locator(f"#{input_id}").get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{input_id}").get_attribute("aria-describedby") == f"{input_id}-problem"
    return note.inner_text()


def alert(page, text: str) -> str:
    """The alert's text once it shows ``text``."""
    page.get_by_role("alert").get_by_text(text).first.wait_for(timeout=60_000)
    return page.get_by_role("alert").inner_text()


def nothing_ran(page, app, before: set[str]) -> None:
    page.wait_for_timeout(1000)                           # a run would have started by now
    assert page.locator("progress").count() == 0
    assert not page.get_by_text(re.compile(r"^(Queued|Running|Finished)")).count()
    assert written(app) == before


def test_a_cleared_field_is_an_error_beside_it_not_the_default(browser, app):
    before = written(app)
    page = open_page(browser, app)
    beds(page).fill("")
    press_run(page)
    note = field_problem(page, "set_capacity__acute_beds")
    assert note.startswith("capacity.acute_beds: the field is empty or does not hold a number; expected a non-negative")
    assert "capacity.acute_beds: the field is empty" in alert(page, "Not run.")
    nothing_ran(page, app, before)
    beds(page).fill("500")                                # changing the field takes its mark away
    assert page.locator("#set_capacity__acute_beds-problem").count() == 0
    assert beds(page).get_attribute("aria-invalid") is None


def test_text_in_a_number_field_is_an_error_beside_it(browser, app):
    before = written(app)
    page = open_page(browser, app)
    beds(page).fill("")
    beds(page).press_sequentially("5e")                    # not a number: the browser sends nothing
    page.get_by_role("button", name="Run settings").click()
    seed = page.get_by_role("spinbutton", name="Seed")
    seed.fill("")
    seed.press_sequentially("abc")
    press_run(page)
    assert "capacity.acute_beds: the field is empty or does not hold a number" in field_problem(page, "set_capacity__acute_beds")
    assert "run.seed: the field is empty or does not hold a number; expected a non-negative integer" in \
        field_problem(page, "seed")
    nothing_ran(page, app, before)


def test_a_million_replications_are_refused_and_a_long_run_waits_for_a_yes(browser, app):
    before = written(app)
    page = open_page(browser, app)
    page.get_by_role("button", name="Run settings").click()
    page.get_by_role("spinbutton", name="Replications").fill("1000000")
    press_run(page)
    assert "at most 100 replications in the web app" in field_problem(page, "replications")
    assert "run.replications: got 1000000" in alert(page, "Not run.")
    nothing_ran(page, app, before)

    page.get_by_role("spinbutton", name="Replications").fill("100")   # within the limits, but long: asked first
    page.get_by_role("textbox", name="Other settings").fill("run.horizon_days=3000")
    page.get_by_role("spinbutton", name="Seed").focus()                 # leaving a field sends it to the app
    page.wait_for_timeout(1000)
    assert page.locator("#replications-problem").count() == 0        # a mended field's note does not come back
    press_run(page)
    question = page.get_by_text(re.compile(r"^This run would take about \d+ minutes"))
    question.wait_for(timeout=180_000)       # the estimate times a short run: slow when the suite loads both cores
    assert page.get_by_role("alert").inner_text().strip() == ""
    page.get_by_role("button", name="Do not run").click()
    question.wait_for(state="detached", timeout=30_000)
    nothing_ran(page, app, before)

    press_run(page)                                       # asked again; this time the answer is yes
    question.wait_for(timeout=180_000)
    page.get_by_role("button", name="Run it").click()
    page.get_by_text(re.compile(r"^(Queued|Running):.*Estimated run time: about \d+ minutes")).wait_for(timeout=60_000)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled.").wait_for(timeout=30_000)


def test_a_value_that_stopped_the_checks_is_a_message_and_run_works_again(browser, app):
    before = written(app)
    page = open_page(browser, app)
    beds(page).fill("99999999999999999999999")            # stopped the checks with an OverflowError
    press_run(page)
    alert(page, "Not run.")
    assert page.get_by_text("Checking the settings").count() == 0
    nothing_ran(page, app, before)

    beds(page).fill("500")
    page.get_by_role("button", name="Run settings").click()
    other = page.get_by_role("textbox", name="Other settings")
    other.fill("run.horizon_days=3650000")                # ten thousand years: refused before it fills the memory
    press_run(page)
    assert "run.horizon_days: got 3650000; expected at most 4,026 days" in field_problem(page, "other")
    nothing_ran(page, app, before)

    other.fill("")
    beds(page).fill("-5")                                 # the Run button still answers, in the command line's words
    press_run(page)
    assert "capacity.acute_beds: got -5" in alert(page, "capacity.acute_beds: got -5")
    assert "capacity.acute_beds: got -5" in field_problem(page, "set_capacity__acute_beds")
    nothing_ran(page, app, before)


def test_a_20000_character_input_is_cut_in_the_messages(browser, app):
    before = written(app)
    page = open_page(browser, app)
    page.get_by_role("button", name="Run settings").click()
    page.get_by_role("textbox", name="Other settings").fill("run.seed=" + "a" * 20_000)
    press_run(page)
    text = alert(page, "expected a non-negative integer")
    assert "run.seed: got 'aaaa" in text and "a" * 81 not in text and "…" in text
    assert len(text) < 400
    beside = field_problem(page, "other")
    assert "a" * 81 not in beside and len(beside) < 400
    nothing_ran(page, app, before)


def test_compare_answers_its_first_click(browser, app):
    before = written(app)
    page = open_page(browser, app)
    page.get_by_role("tab", name="Compare").click()
    page.get_by_role("button", name="Compare", exact=True).click()     # before any run: says so
    alert(page, "Run a configuration first, then compare it.")
    nothing_ran(page, app, before)

    page = open_page(browser, app)
    short_runs(page)
    run(page)
    page.get_by_role("tab", name="Compare").click()
    page.get_by_role("button", name="Compare", exact=True).click()     # at once, the reference left as it is
    page.get_by_text("This run minus baseline").wait_for(timeout=RUN_SECONDS * 1000)
    assert page.locator("#comparison table tbody tr").count() > 0
