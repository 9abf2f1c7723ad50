"""The pathway diagram (``carepath pathway``): every stream, service and route drawn, the docs' copy current."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml

from sim.analysis.pathway_diagram import columns, destinations, diagram, graph
from sim.jobs import pathway

ROOT = Path(__file__).resolve().parent.parent
NETWORK = yaml.safe_load((ROOT / "configs/network/integrated_care.yaml").read_text())
SVG = "{http://www.w3.org/2000/svg}"


def test_every_stream_service_and_route_is_drawn():
    svg = ElementTree.fromstring(diagram(NETWORK))
    drawn = {g.get("id"): " ".join(g.itertext()) for g in svg.iter(f"{SVG}g")}
    for name, spec in NETWORK["services"].items():
        assert " ".join(drawn[f"node-{name}"].split()).startswith(spec["label"][:20]), name
    for name in NETWORK["streams"]:
        assert f"node-stream-{name}" in drawn
    _, edges = graph(NETWORK)
    routes = {(s, t) for s, t, kind in edges if kind == "route"}
    assert ("ae", "acute") in routes and ("acute", "ic_bed") in routes and ("ic_bed", "care_home") in routes
    assert len(list(svg.iter(f"{SVG}path"))) >= len(edges)


def test_streams_come_first_services_in_order_and_the_ends_of_journeys_last():
    nodes, edges = graph(NETWORK)
    column = columns(nodes, edges)
    assert {column[n] for n, (kind, _) in nodes.items() if kind == "stream"} == {0}
    assert column["ae"] < column["acute"] < column["ic_bed"] < column["care_home"]
    assert {column[n] for n, (kind, _) in nodes.items() if kind == "sink"} == {max(column.values())}


def test_a_branching_route_reaches_every_destination():
    by_residence = {"by": "care_home", "values": {"yes": "death", "no": {"acute": 0.5, "ic": 0.5, "never": 0}}}
    route = {"by": "age_band", "values": {"young": {"home": 1.0}, "old": by_residence}}
    assert list(destinations(route)) == ["home", "death", "acute", "ic"]


def test_the_docs_diagram_is_the_default_configurations():
    # regenerate with: carepath pathway --out docs/images/pathway.svg
    assert (ROOT / pathway.DOCS_IMAGE).read_text() == pathway.pathway_svg()


def test_bad_overrides_write_nothing_and_exit_2(tmp_path, capsys):
    out = tmp_path / "pathway.svg"
    assert pathway.main(["run.replicatons=3", "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "run.replicatons" in err[0]
