"""Lay out a scenario's graph for an SVG map: columns by distance from the start.

Pure Python over `scenario_rules.map_graph`; works for invalid drafts too, so trainers see
unreachable scenes, dead ends and dangling choices before they publish.
"""

from collections import deque
from dataclasses import dataclass

from courses.scenario_rules import map_graph

NODE_W, NODE_H = 190, 64
COL_GAP, ROW_GAP = 80, 26
MARGIN = 20


@dataclass(frozen=True)
class MapNode:
    key: str
    title: str
    x: int
    y: int
    is_start: bool
    is_ending: bool
    outcome: str
    reachable: bool
    dead_end: bool
    missing: bool = False  # a target named by a choice that no scene has

    @property
    def css(self) -> str:
        classes = ["map-node"]
        if self.missing:
            classes.append("map-node--missing")
        elif self.is_ending:
            classes.append(f"map-node--{self.outcome or 'ending'}")
        if self.is_start:
            classes.append("map-node--start")
        if not self.reachable:
            classes.append("map-node--unreachable")
        if self.dead_end:
            classes.append("map-node--dead-end")
        return " ".join(classes)


@dataclass(frozen=True)
class MapEdge:
    source: str
    target: str
    label: str
    path: str  # SVG path data
    dangling: bool
    back: bool  # points to an earlier column: a loop


@dataclass(frozen=True)
class ScenarioMap:
    nodes: list[MapNode]
    edges: list[MapEdge]
    width: int
    height: int

    @property
    def problems(self) -> dict:
        return {
            "unreachable": [n.key for n in self.nodes if not n.reachable and not n.missing],
            "dead_ends": [n.key for n in self.nodes if n.dead_end and not n.missing],
            "dangling": [f"{e.source} → {e.target}" for e in self.edges if e.dangling],
        }


def build_map(scenes: list[dict]) -> ScenarioMap:
    """Positions for every scene and edge of a scenario, valid or not."""
    graph = map_graph(scenes)
    nodes = graph["nodes"]
    edges = graph["edges"]
    if not nodes:
        return ScenarioMap([], [], 2 * MARGIN, 2 * MARGIN)

    known = {n["key"] for n in nodes}
    start = next((n["key"] for n in nodes if n["is_start"]), nodes[0]["key"])
    depth = {start: 0}
    queue = deque([start])
    adjacency: dict[str, list[str]] = {}
    for e in edges:
        if not e["dangling"]:
            adjacency.setdefault(e["source"], []).append(e["target"])
    while queue:
        key = queue.popleft()
        for target in adjacency.get(key, []):
            if target not in depth:
                depth[target] = depth[key] + 1
                queue.append(target)
    last = max(depth.values(), default=0)
    # Unreachable scenes get a column of their own after the reachable ones.
    for n in nodes:
        depth.setdefault(n["key"], last + 1)
    missing = sorted({e["target"] for e in edges if e["dangling"] and e["target"]} - known)
    for key in missing:
        depth[key] = max(depth.values()) + 1 if key not in depth else depth[key]

    columns: dict[int, list[str]] = {}
    order = [n["key"] for n in nodes] + missing
    for key in order:
        columns.setdefault(depth[key], []).append(key)
    position = {}
    for col, keys in columns.items():
        for row, key in enumerate(keys):
            position[key] = (
                MARGIN + col * (NODE_W + COL_GAP),
                MARGIN + row * (NODE_H + ROW_GAP),
            )

    map_nodes = [
        MapNode(
            key=n["key"],
            title=n["title"],
            x=position[n["key"]][0],
            y=position[n["key"]][1],
            is_start=n["is_start"],
            is_ending=n["is_ending"],
            outcome=n["outcome"] or "",
            reachable=n["reachable"],
            dead_end=n["dead_end"],
        )
        for n in nodes
        if n["key"] in position
    ] + [
        MapNode(
            key=key,
            title="(no such scene)",
            x=position[key][0],
            y=position[key][1],
            is_start=False,
            is_ending=False,
            outcome="",
            reachable=False,
            dead_end=True,
            missing=True,
        )
        for key in missing
    ]

    map_edges = []
    for e in edges:
        if e["source"] not in position or e["target"] not in position:
            continue
        sx, sy = position[e["source"]]
        tx, ty = position[e["target"]]
        back = tx <= sx
        x1, y1 = sx + NODE_W, sy + NODE_H // 2
        if back:
            # loop back: leave from the bottom, arc below, enter from the bottom
            x1, y1 = sx + NODE_W // 2, sy + NODE_H
            x2, y2 = tx + NODE_W // 2 + 12, ty + NODE_H
            dip = max(y1, y2) + 40
            d = f"M{x1},{y1} C{x1},{dip} {x2},{dip} {x2},{y2}"
        else:
            x2, y2 = tx, ty + NODE_H // 2
            mid = (x1 + x2) // 2
            d = f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
        map_edges.append(
            MapEdge(e["source"], e["target"], e["label"], d, bool(e["dangling"]), back)
        )

    width = max(x for x, _ in position.values()) + NODE_W + MARGIN
    height = max(y for _, y in position.values()) + NODE_H + MARGIN + 50
    return ScenarioMap(map_nodes, map_edges, width, height)
