"""Figures say when a figure is not an estimate."""
from __future__ import annotations

import pandas as pd

from sim.analysis import figures


def test_a_heatmap_labels_a_flagged_cell_unstable_and_the_others_with_their_value():
    frame = pd.DataFrame({"beds": ["2.0", "2.0", "2.8", "2.8"], "ic": ["current", "plus", "current", "plus"],
                          "value": [1.25, 2.5, 3.75, 5.0], "unstable": [False, True, False, False]})
    fig = figures.heatmap(frame, "ic", "beds", "value", "title", fmt=".1f", flagged="unstable")
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1.2", "3.8", "5.0", "unstable"]
    plain = figures.heatmap(frame, "ic", "beds", "value", "title", fmt=".1f")
    assert sorted(t.get_text() for t in plain.axes[0].texts) == ["1.2", "2.5", "3.8", "5.0"]
