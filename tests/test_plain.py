"""sim.common.plain: a deep copy of configuration data, as copy.deepcopy gives it, without its cost."""
from __future__ import annotations

import copy

import numpy as np

from sim.common.plain import copied


def test_every_mapping_and_list_is_new_and_every_value_equal():
    data = {"a": {"b": [1, 2.5, {"c": "x"}], "d": None, "e": True}, "f": [[0.1, 0.2], []]}
    out = copied(data)
    assert out == data == copy.deepcopy(data)
    out["a"]["b"][2]["c"] = "y"
    out["f"][0].append(0.3)
    assert data["a"]["b"][2]["c"] == "x" and data["f"][0] == [0.1, 0.2]


def test_anything_else_is_copied_by_deepcopy():
    array = np.arange(3.0)
    out = copied({"table": array, "pair": (1, [2])})
    out["table"][0] = 9.0
    out["pair"][1].append(3)
    assert array[0] == 0.0 and out["pair"] == (1, [2, 3])


def test_data_held_in_several_places_is_copied_once_and_its_copy_held_in_the_same_places():
    # a lever's cohort tables share their rows: copies that did not would multiply with each lever
    row = {"home": 0.7, "acute": 0.3}
    table = {"low": row, "high": row, "rows": [row, {"home": 1.0}]}
    out = copied(table)
    assert out == copy.deepcopy(table)
    assert out["low"] is out["high"] is out["rows"][0] and out["low"] is not row
    out["low"]["home"] = 0.5
    assert row["home"] == 0.7
