"""Headline figures by acute site for a multi-site place: the named metric at each part where the model
counts it, the part's own statistic where the metric is nothing more, nothing for anything else."""
from __future__ import annotations

import pandas as pd

from sim.analysis.sites import by_site, site_figures, site_labels

NETWORK = {
    "headline": ["ae_4h_pct", "nel_admissions", "acute_filtered", "ic_wait", "total_cost_gbp"],
    "services": {"ae": {"partition": "site"}, "acute": {"partition": "site"}, "ic_bed": {"partition": "place"}},
    "metrics": {
        "ae_4h_pct": {"service": "ae", "stat": "within_4h_pct", "label": "A&E within 4 hours", "unit": "%"},
        "nel_admissions": {"service": "acute", "stat": "arrivals", "exclude_origins": ["elective"],
                           "label": "Emergency admissions", "unit": "admissions"},
        "acute_filtered": {"service": "acute", "stat": "arrivals", "exclude_origins": ["elective"], "label": "x", "unit": "y"},
        "ic_wait": {"service": "ic_bed", "stat": "wait_mean", "label": "IC wait", "unit": "days"},
    },
}
METRICS = ["ae_4h_pct", "nel_admissions", "acute_filtered", "ic_wait", "total_cost_gbp",
           "ae_manor.within_4h_pct", "ae_new_cross.within_4h_pct", "nel_admissions.acute_manor",
           "acute_manor.arrivals", "ic_bed_walsall.wait_mean"]


def test_each_site_figure_is_the_same_figure_at_that_site():
    assert site_figures(NETWORK, METRICS) == [
        ("ae_4h_pct", "manor", "ae_manor.within_4h_pct"), ("ae_4h_pct", "new_cross", "ae_new_cross.within_4h_pct"),
        ("nel_admissions", "manor", "nel_admissions.acute_manor")]   # a filtered metric is not the part's arrivals


def test_the_table_names_each_site_by_its_label_and_a_place_with_one_site_has_none():
    summary = pd.DataFrame({"metric": METRICS, "mean": 75.0, "ci_low": 70.0, "ci_high": 80.0, "replications": 5})
    table = by_site(summary, {"network": NETWORK, "place": {"name": "black_country"}})
    assert list(table["site"])[:2] == [site_labels("black_country")["manor"], site_labels("black_country")["new_cross"]]
    assert table.iloc[0][["measure", "unit", "mean", "95% interval"]].tolist() == ["A&E within 4 hours", "%", "75.0", "70.0 to 80.0"]
    one_site = summary[~summary["metric"].str.contains("manor|new_cross")]
    assert by_site(one_site, {"network": NETWORK, "place": {"name": "walsall"}}).empty
