"""The pathway as a picture: a network config's streams, services and where patients go, drawn as SVG.

:func:`diagram` reads a network mapping (``configs/network/*.yaml``, as written or composed) and draws
it left to right in columns: the demand streams first, then each service in the column after the
longest chain of services that leads to it, then the ends of a journey (the network's ``sinks``: home,
a care home, died).  A solid arrow is a route of a service's ``next`` (every destination any patient
can take, whatever the branch by age, arrival or risk) or of a stream's ``to``; a dashed arrow is where
a patient goes who gives up waiting (``renege_to``); an arrow back to an earlier column is a route
that returns (a step up from home to a crisis service).  The order within a column is chosen to keep
arrows short and few crossing (the barycentre heuristic of Sugiyama, Tagawa and Toda 1981).  Nothing
beyond the standard library is needed, and the same network always gives the same file.
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from typing import Any
from xml.sax.saxutils import escape

BOX_WIDTH, BOX_HEIGHT, ROW, COLUMN, MARGIN, TOP = 180, 50, 60, 240, 20, 64
WRAP, LINES, FONT = 27, 3, 11.5
#: fill of each kind of node (a colour-blind-safe palette: blue, orange, grey)
FILL = {"stream": "#dbe9f6", "service": "#fde3c8", "sink": "#e6e6e6"}
EDGE = {"stream": "#3a7dbf", "route": "#555555", "renege": "#c0392b", "return": "#8e44ad"}
SORT_SWEEPS = 6
LEGEND_WIDTH = 860            # the legend's row, so a small network's picture still holds it


def destinations(route: Any) -> Iterator[str]:
    """Every place a ``next`` or ``to`` can send a patient: a name, a ``{name: probability}`` mapping,
    or a branch ``{by: attribute, values: {value: route}}`` (each branch's routes in turn)."""
    if isinstance(route, str):
        yield route
    elif isinstance(route, Mapping) and "by" in route and isinstance(route.get("values"), Mapping):
        for branch in route["values"].values():
            yield from destinations(branch)
    elif isinstance(route, Mapping):
        for name, share in route.items():
            if not isinstance(share, (int, float)) or share > 0:
                yield str(name)


def graph(network: Mapping[str, Any]) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """``nodes`` (id -> (kind, label)) and ``edges`` (source, target, kind) of a network; a stream's id is
    ``stream:<name>`` (a stream may share its name with a service)."""
    services = {n: s for n, s in (network.get("services") or {}).items() if isinstance(s, Mapping)}
    sinks = network.get("sinks") or {}
    nodes: dict[str, tuple[str, str]] = {}
    edges: list[tuple[str, str, str]] = []

    def label(spec: Any, name: str) -> str:
        return str((spec or {}).get("label") or name.replace("_", " ")) if isinstance(spec, Mapping) else name.replace("_", " ")

    for name, spec in (network.get("streams") or {}).items():
        nodes[f"stream:{name}"] = ("stream", label(spec, name))
        for target in dict.fromkeys(destinations((spec or {}).get("to"))):
            edges.append((f"stream:{name}", target, "stream"))
    for name, spec in services.items():
        nodes[name] = ("service", label(spec, name))
    for name, spec in services.items():
        for target in dict.fromkeys(destinations(spec.get("next"))):
            edges.append((name, target, "route"))
        if spec.get("renege_to"):
            edges.append((name, str(spec["renege_to"]), "renege"))
    for _, target, _ in list(edges):
        if target not in nodes:
            nodes[target] = ("sink", label(sinks.get(target), target))
    return nodes, edges


def columns(nodes: Mapping[str, tuple[str, str]], edges: list[tuple[str, str, str]]) -> dict[str, int]:
    """Each node's column: streams 0, a service one after the longest chain of services leading to it
    (routes that close a loop are left out), the ends of journeys last."""
    out = {n: [t for s, t, _ in edges if s == n and nodes[t][0] == "service"] for n in nodes}
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node: str) -> None:                    # depth first: an edge to a node on the stack closes a loop
        state[node] = 1
        for target in out[node]:
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                visit(target)
        state[node] = 2

    for node in nodes:
        if node not in state and nodes[node][0] == "stream":
            visit(node)
    for node in nodes:
        if node not in state:
            visit(node)
    column = {n: 0 for n in nodes if nodes[n][0] == "stream"}

    def depth(node: str) -> int:
        if node not in column:
            before = [s for s, t, _ in edges if t == node and (s, t) not in back and nodes[s][0] != "sink"]
            column[node] = 1 + max((depth(s) for s in before), default=0) if before else 1
        return column[node]

    for node, (kind, _) in nodes.items():
        if kind == "service":
            depth(node)
    last = max(column.values(), default=0) + 1
    return {n: column.get(n, last) for n in nodes}


def ordered(column: Mapping[str, int], edges: list[tuple[str, str, str]]) -> list[list[str]]:
    """The nodes of each column, top to bottom, each sweep sorted by the mean position of its neighbours."""
    layers = [[n for n, c in column.items() if c == i] for i in range(max(column.values(), default=-1) + 1)]
    neighbours: dict[str, list[str]] = {n: [] for n in column}
    for source, target, _ in edges:
        neighbours[source].append(target)
        neighbours[target].append(source)
    for sweep in range(SORT_SWEEPS):
        position = {n: (i + 0.5) / len(layer) for layer in layers for i, n in enumerate(layer)}
        span = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        for i in span:
            def centre(node: str, position=position) -> float:
                seen = [position[m] for m in neighbours[node] if column[m] != column[node]]
                return sum(seen) / len(seen) if seen else position[node]
            layers[i] = sorted(layers[i], key=lambda n: (centre(n), layers[i].index(n)))
    return layers


def _text(x: float, y: float, label: str) -> str:
    lines = textwrap.wrap(label, WRAP)[:LINES] or [label]
    if len(textwrap.wrap(label, WRAP)) > LINES:
        lines[-1] = lines[-1][: WRAP - 1] + "…"
    first = y - (len(lines) - 1) * FONT * 0.6
    spans = "".join(f'<tspan x="{x:.1f}" y="{first + i * FONT * 1.2:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f'<text text-anchor="middle" dominant-baseline="middle">{spans}</text>'


def diagram(network: Mapping[str, Any], title: str | None = None) -> str:
    """The network's pathway as an SVG document (a string)."""
    nodes, edges = graph(network)
    column = columns(nodes, edges)
    layers = ordered(column, edges)
    tallest = max((len(layer) for layer in layers), default=1)
    width = max(2 * MARGIN + (len(layers) - 1) * COLUMN + BOX_WIDTH, LEGEND_WIDTH)
    height = TOP + tallest * ROW + MARGIN
    where = {}
    for i, layer in enumerate(layers):
        offset = TOP + (tallest - len(layer)) * ROW / 2
        for j, node in enumerate(layer):
            where[node] = (MARGIN + i * COLUMN, offset + j * ROW)
    title = title or str(network.get("description") or network.get("name") or "Pathway")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
             f'viewBox="0 0 {width} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="{FONT}" '
             f'role="img" aria-labelledby="pathway-title">',
             f'<title id="pathway-title">{escape(title)}</title>',
             "<defs>" + "".join(f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                                f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{c}"/></marker>'
                                for k, c in EDGE.items()) + "</defs>",
             f'<text x="{MARGIN}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
             _legend()]
    for source, target, kind in edges:
        parts.append(_edge(where[source], where[target], "return" if column[target] <= column[source] and kind != "renege" else kind))
    for node, (kind, label) in nodes.items():
        x, y = where[node]
        parts.append(f'<g class="{kind}" id="node-{escape(node.replace(":", "-"))}"><rect x="{x}" y="{y:.1f}" '
                     f'width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="7" fill="{FILL[kind]}" stroke="#666"/>'
                     + _text(x + BOX_WIDTH / 2, y + BOX_HEIGHT / 2, label) + "</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _edge(source: tuple[float, float], target: tuple[float, float], kind: str) -> str:
    (x0, y0), (x1, y1) = source, target
    y0, y1 = y0 + BOX_HEIGHT / 2, y1 + BOX_HEIGHT / 2
    if kind == "return" or x1 <= x0:                  # back to an earlier column: out of the top, over, and in
        start, end = (x0 + BOX_WIDTH / 2, y0 - BOX_HEIGHT / 2), (x1 + BOX_WIDTH / 2, y1 - BOX_HEIGHT / 2)
        lift = min(start[1], end[1]) - 40
        path = f"M{start[0]:.1f},{start[1]:.1f} C{start[0]:.1f},{lift:.1f} {end[0]:.1f},{lift:.1f} {end[0]:.1f},{end[1]:.1f}"
    else:
        start, end = (x0 + BOX_WIDTH, y0), (x1, y1)
        bend = (end[0] - start[0]) / 2
        path = (f"M{start[0]:.1f},{start[1]:.1f} C{start[0] + bend:.1f},{start[1]:.1f} "
                f"{end[0] - bend:.1f},{end[1]:.1f} {end[0]:.1f},{end[1]:.1f}")
    dash = ' stroke-dasharray="5,4"' if kind in ("renege", "return") else ""
    return (f'<path class="edge-{kind}" d="{path}" fill="none" stroke="{EDGE[kind]}" stroke-opacity="0.6" '
            f'stroke-width="1.2"{dash} marker-end="url(#arrow-{kind})"/>')


def _legend() -> str:
    items = [("stream", "where demand arrives"), ("service", "a service (its places)"), ("sink", "the end of a journey")]
    arrows = [("route", "a route"), ("renege", "gave up waiting"), ("return", "back to an earlier step")]
    out, x = [], MARGIN
    for kind, text in items:
        out.append(f'<rect x="{x}" y="32" width="16" height="12" rx="3" fill="{FILL[kind]}" stroke="#666"/>'
                   f'<text x="{x + 21}" y="42">{text}</text>')
        x += 30 + 6.2 * len(text)
    for kind, text in arrows:
        dash = ' stroke-dasharray="5,4"' if kind != "route" else ""
        out.append(f'<line x1="{x}" y1="38" x2="{x + 24}" y2="38" stroke="{EDGE[kind]}" stroke-width="1.5"{dash} '
                   f'marker-end="url(#arrow-{kind})"/><text x="{x + 29}" y="42">{text}</text>')
        x += 40 + 6.2 * len(text)
    return "".join(out)
