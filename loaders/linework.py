"""Closed faces from CAD linework that is never quite closed: node, bridge the small gaps, polygonize.

Surveyors' boundary lines stop a few millimetres short of each other or
overshoot; polygonizing them as drawn loses every parcel whose ring has one
gap. A dangling end within the tolerance of another dangling end is joined
to it; otherwise it is carried across the nearest line within the tolerance
(by a tiny overshoot, so exact noding finds the crossing). Ends with nothing
near stay dangles and bound no face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.ops import substring

# A gap is closed by a connector that overshoots the target line by this much, so exact noding finds the crossing.
OVERSHOOT_M = 1e-4


def faces(lines: np.ndarray, tolerance: float) -> np.ndarray:
    """Closed faces of the linework after noding and closing gaps up to ``tolerance``; dangles are dropped."""
    edges = shapely.get_parts(shapely.line_merge(shapely.union_all(lines)))
    connectors = _gap_connectors(edges, tolerance)
    if len(connectors):
        edges = shapely.get_parts(shapely.union_all(np.concatenate([edges, connectors])))
    faces = shapely.get_parts(shapely.polygonize(edges))
    return faces[shapely.area(faces) > tolerance**2]


@dataclass(frozen=True)
class _Dangles:
    """Line ends no other line shares: where each is, which edge it ends, and whether it is that edge's start."""

    points: np.ndarray
    owners: np.ndarray
    starts: np.ndarray


def _dangles(edges: np.ndarray) -> _Dangles:
    ends = np.concatenate([shapely.get_point(edges, 0), shapely.get_point(edges, -1)])
    owner = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])
    start = np.arange(len(ends)) < len(edges)
    _, inverse, counts = np.unique(shapely.get_coordinates(ends), axis=0, return_inverse=True, return_counts=True)
    dangling = counts[inverse.ravel()] == 1
    return _Dangles(ends[dangling], owner[dangling], start[dangling])


def _gap_connectors(edges: np.ndarray, tolerance: float) -> np.ndarray:
    """Short lines closing each gap: dangling end to dangling end, else dangling end across the nearest line."""
    dangles = _dangles(edges)
    tree = shapely.STRtree(edges)
    out = [_connector(i, dangles, edges, tree, tolerance) for i in range(len(dangles.points))]
    return np.array([c for c in out if c is not None], dtype=object)


def _connector(i: int, dangles: _Dangles, edges: np.ndarray, tree: Any, tol: float) -> Any:
    """The line closing dangling end ``i``, or None when nothing lies within the tolerance (a true dangle)."""
    end = dangles.points[i]
    dist = shapely.distance(end, dangles.points)
    dist[i] = np.inf  # the other end of its own line may be the gap to close (an unclosed polyline)
    if dist.min() <= tol:
        other = dangles.points[dist.argmin()]
        return shapely.linestrings([shapely.get_coordinates(end)[0], shapely.get_coordinates(other)[0]])
    own = int(dangles.owners[i])
    near = [
        _far_part(edges[j], bool(dangles.starts[i]), tol) if j == own else edges[j]
        for j in tree.query(end, "dwithin", distance=tol)
    ]
    near = [g for g in near if g is not None and shapely.distance(end, g) <= tol]
    if not near:
        return None
    return _onto(end, near[int(np.argmin(shapely.distance(end, near)))])


def _far_part(edge: Any, from_start: bool, tol: float) -> Any:
    """The dangling end's own line without its last ``2 × tol`` next to that end (the line may loop back)."""
    length = edge.length
    if length <= 3 * tol:
        return None
    return substring(edge, 2 * tol, length) if from_start else substring(edge, 0, length - 2 * tol)


def _onto(end: Any, target: Any) -> Any:
    """A connector from ``end`` onto ``target``: exactly to a vertex there, else across the line by an overshoot."""
    a, b = shapely.get_coordinates(shapely.shortest_line(end, target))
    vertices = shapely.get_coordinates(target)
    nearest = np.hypot(*(vertices - b).T).argmin()
    if np.hypot(*(vertices[nearest] - b)) < OVERSHOOT_M:
        return shapely.linestrings([a, vertices[nearest]])  # an overshoot past a line's end could miss it
    step = (b - a) / np.hypot(*(b - a))
    return shapely.linestrings([a, b + step * OVERSHOOT_M])
