"""The world outside the vehicle: what stands where, per frame. Pure.

A frame's `Environment` (setting, road lights, traffic) and its own stream
'environment.layout' give a `WorldLayout`: the road's lanes and markings, the
roadside (pavements, verges, a central barrier), buildings, trees, street lamps,
other vehicles and, in the tunnel setting, the tunnel. Everything is placed in
the vehicle frame (docs/conventions.md: X forward, Y left, Z up, floor at 0); the
ego vehicle drives in a lane along +X. The objects are low-poly meshes in the
USD stage under /World/Outside (cabin_synth.scene.outside), so every renderer
sees the same world with the parallax it has from the camera: a car in the next
lane is 1-3 m from the side glass. Dimensions: lanes 3.5 m (motorways 3.5-3.75,
urban roads 3.0-3.5 m), kerbs 0.12 m, street lamps 8-10 m high every 30-40 m
with a 1.5 m arm, cars 4.2-4.8 m long; docs/sensors.md, The world outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..assets.cabins import SPECS
from ..assets.meshes import MeshData, box, cylinder, hexa, merge

if TYPE_CHECKING:   # the sampler's presets import this module's names
    from ..presets.sampler import Environment

SETTINGS = ("urban", "suburban", "rural", "highway", "tunnel")
LANE_M = 3.5
KERB_M = 0.12
ROAD_HALF_LENGTH_M = 250.0
GROUND_HALF_M = 400.0
# Pools: the stage holds this many of each, shown or hidden per frame.
BUILDINGS, TREES, LAMPS, VEHICLES = 16, 20, 10, 6
# Roof panel and floor pan between the headliner and the roof's top, and below the floor.
ROOF_PANEL_M = 0.07


@dataclass(frozen=True)
class Placed:
    """One pool object in this frame: its index in the pool, a 4x4 vehicle-frame
    transform of its template, and a colour choice (an index into its kind's palette)."""
    index: int
    matrix: np.ndarray
    palette: int = 0


@dataclass(frozen=True)
class WorldLayout:
    setting: str
    ground_z: float                        # the road surface, vehicle frame
    road: tuple[float, float]              # (right, left) |Y| edges of the carriageway as signed Y
    markings: np.ndarray                   # (K, 4, 3) quads of paint on the road
    pavement: float                        # width of the raised pavement on each side, 0: a verge
    barrier: float | None                  # Y of a central barrier, or None
    buildings: tuple[Placed, ...]
    trees: tuple[Placed, ...]
    lamps: tuple[Placed, ...]
    vehicles: tuple[Placed, ...]
    tunnel: np.ndarray | None = None       # the tunnel's transform in the tunnel setting


def ground_height(cabin: str) -> float:
    """Z of the road under the cabin: the vehicle's height less the roof above the headliner."""
    spec = SPECS[cabin]
    return spec.roof_z + ROOF_PANEL_M - spec.exterior_lwh_wb[2]


def transform(x: float, y: float, z: float, yaw_rad: float = 0.0, scale=(1.0, 1.0, 1.0)) -> np.ndarray:
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    M = np.eye(4)
    M[:3, :3] = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) @ np.diag(scale)
    M[:3, 3] = (x, y, z)
    return M


def _lanes(setting: str, drive: str, rng: np.random.Generator) -> tuple[list[float], list[float], float | None]:
    """Centre Y of the ego direction's lanes, of the oncoming lanes, and of a central barrier.
    Traffic keeps right in left-hand-drive countries: the oncoming lanes are to the left (+Y)."""
    side = 1.0 if drive == "lhd" else -1.0
    if setting == "highway":
        ego = int(rng.integers(3))
        same = [side * LANE_M * (k - ego) for k in range(3)]        # lanes to the kerb side, then overtaking lanes
        barrier = side * LANE_M * (2.5 - ego + 0.3)
        oncoming = [barrier + side * (0.3 + LANE_M * (k + 0.5)) for k in range(3)]
        return same, oncoming, barrier
    if setting == "tunnel":
        return [0.0, side * LANE_M], [], None
    return [0.0], [side * LANE_M], None


def _markings(lanes: list[float], dash: tuple[float, float], phase: float, z: float) -> np.ndarray:
    """Dashed lines between neighbouring lanes and solid edge lines, as (K, 4, 3) quads."""
    lo, hi = min(lanes) - LANE_M / 2, max(lanes) + LANE_M / 2
    quads = []

    def quad(x0, x1, y, width=0.12):
        quads.append([(x0, y - width / 2, z), (x1, y - width / 2, z), (x1, y + width / 2, z), (x0, y + width / 2, z)])

    for y in (lo + 0.25, hi - 0.25):
        quad(-ROAD_HALF_LENGTH_M, ROAD_HALF_LENGTH_M, y, 0.15)
    period = dash[0] + dash[1]
    starts = np.arange(-ROAD_HALF_LENGTH_M, ROAD_HALF_LENGTH_M, period) + phase % period
    for y in np.sort(lanes)[:-1] + LANE_M / 2:
        for x0 in starts:
            quad(x0, x0 + dash[0], y)
    return np.asarray(quads, float)


def layout(env: Environment, cabin: str, drive: str, rng: np.random.Generator) -> WorldLayout:
    """The world of one frame; `rng` is the frame's 'environment.layout' stream."""
    z = ground_height(cabin)
    same, oncoming, barrier = _lanes(env.setting, drive, rng)
    lanes = same + oncoming
    right, left = min(lanes) - LANE_M / 2, max(lanes) + LANE_M / 2
    dash = (6.0, 12.0) if env.setting == "highway" else (3.0, 9.0)
    markings = _markings(sorted(same) if barrier is not None else lanes, dash, rng.uniform(0, 100), z + 0.003)
    if barrier is not None:
        markings = np.concatenate([markings, _markings(sorted(oncoming), dash, rng.uniform(0, 100), z + 0.003)])
    pavement = {"urban": 3.5, "suburban": 2.0}.get(env.setting, 0.0)

    def along(n: int, spacing: tuple[float, float]) -> np.ndarray:
        """n positions along the road, gaps drawn from `spacing`, starting behind the car."""
        gaps = rng.uniform(*spacing, n)
        return -ROAD_HALF_LENGTH_M / 3 + np.cumsum(gaps) - gaps[0] * rng.uniform()

    buildings, trees, lamps = [], [], []
    if env.setting in ("urban", "suburban"):
        setback = {"urban": (0.5, 2.0), "suburban": (6.0, 14.0)}[env.setting]
        height = {"urban": (9.0, 30.0), "suburban": (5.0, 9.0)}[env.setting]
        width = {"urban": (10.0, 24.0), "suburban": (8.0, 14.0)}[env.setting]
        for k in range(BUILDINGS):
            side = 1.0 if k % 2 else -1.0
            edge = left if side > 0 else right
            w, d, h = rng.uniform(*width), rng.uniform(10.0, 16.0), rng.uniform(*height)
            x = -60.0 + (k // 2) * 160.0 / (BUILDINGS // 2) + rng.uniform(-3, 3)
            y = edge + side * (pavement + rng.uniform(*setback) + d / 2)
            # template: 10 m wide (X), 10 m deep (Y), 12 m high, its windows on the -Y face
            buildings.append(Placed(k, transform(x, y, z, np.pi if side < 0 else 0.0, (w / 10, d / 10, h / 12)),
                                    int(rng.integers(4))))
    if env.setting in ("suburban", "rural", "highway"):
        xs = along(TREES, (6.0, 25.0) if env.setting != "suburban" else (10.0, 20.0))
        for k, x in enumerate(xs):
            side = 1.0 if rng.uniform() < 0.5 else -1.0
            edge = left if side > 0 else right
            offset = pavement + (rng.uniform(0.8, 1.5) if env.setting == "suburban" else rng.uniform(4.0, 20.0))
            s = rng.uniform(0.7, 1.4)
            trees.append(Placed(k, transform(x, edge + side * offset, z, rng.uniform(0, 2 * np.pi), (s, s, s)),
                                int(rng.integers(2))))
    if env.setting != "tunnel" and (env.setting != "rural" or env.road_lights != "none"):
        spacing = rng.uniform(30.0, 40.0)
        x0 = rng.uniform(-spacing, 0.0)
        side = 1.0 if (drive == "lhd") == (rng.uniform() < 0.5) else -1.0
        for k in range(LAMPS):
            s = side if env.setting != "highway" else (1.0 if k % 2 else -1.0)
            y = barrier if env.setting == "highway" and k % 2 else (left + 0.5 + pavement / 2 if s > 0 else right - 0.5 - pavement / 2)
            # the template's arm reaches along +Y: over the road from either side, both ways from the barrier
            yaw = (0.0 if s < 0 else np.pi) if not (env.setting == "highway" and k % 2) else np.pi * (k // 2 % 2)
            lamps.append(Placed(k, transform(x0 + k * spacing / (2 if env.setting == "highway" else 1), y,
                                             z + (KERB_M if pavement else 0.0), yaw)))
    vehicles = []
    taken: list[tuple[float, float]] = [(0.0, 0.0)]
    for k in range(min(env.traffic, VEHICLES)):
        for _ in range(20):   # a free spot: 7 m from any car in the same lane
            y = float(rng.choice(lanes))
            x = float(rng.uniform(-25.0, 30.0))
            if all(abs(y - ty) > 1.0 or abs(x - tx) > 7.0 for tx, ty in taken):
                break
        else:
            continue
        taken.append((x, y))
        heading = 0.0 if y in same else np.pi
        vehicles.append(Placed(k, transform(x, y + rng.uniform(-0.3, 0.3), z, heading + rng.normal(0, 0.01)),
                               int(rng.integers(6))))
    tunnel = transform(0.0, (right + left) / 2, z) if env.setting == "tunnel" else None
    return WorldLayout(env.setting, z, (right, left), markings, pavement, barrier, tuple(buildings),
                       tuple(trees), tuple(lamps), tuple(vehicles), tunnel)


# --- templates: the pool's meshes in their own frames -----------------------------------------

def building_template() -> tuple[MeshData, MeshData]:
    """(walls and roof, windows): a 10 x 10 x 12 m block standing on z = 0 with 5 x 4
    windows on its road face (-Y) and 3 x 4 on each end, 3 cm proud of the wall."""
    walls = box((-5.0, -5.0, 0.0), (5.0, 5.0, 12.0))
    windows = []
    for i in range(5):
        for j in range(4):
            x0, z0 = -4.5 + 2.0 * i + 0.35, 1.2 + 2.8 * j
            windows.append(box((x0, -5.03, z0), (x0 + 1.3, -4.99, z0 + 1.6)))
    for end in (-1.0, 1.0):
        for i in range(3):
            for j in range(4):
                y0, z0 = -4.0 + 3.0 * i + 0.4, 1.2 + 2.8 * j
                x = end * 5.0
                windows.append(box((min(x, x + end * 0.03) - 0.01, y0, z0), (max(x, x + end * 0.03) + 0.01, y0 + 1.3, z0 + 1.6)))
    return walls, merge(*windows)


def tree_template() -> tuple[MeshData, MeshData]:
    """(trunk, crown): a 3 m trunk and a lumpy crown about 2.4 m across at 2.2-6 m."""
    trunk = cylinder(0.16, 0.0, 3.2, 7)
    rng = np.random.default_rng(7)   # a fixed shape; frames scale and turn it
    n_lat, n_lon = 6, 9
    pts = [(0.0, 0.0, 2.2)]
    for i in range(1, n_lat):
        a = np.pi * i / n_lat
        for j in range(n_lon):
            b = 2 * np.pi * (j + 0.5 * (i % 2)) / n_lon
            r = 1.0 + 0.18 * rng.standard_normal()
            pts.append((1.6 * r * np.sin(a) * np.cos(b), 1.6 * r * np.sin(a) * np.sin(b), 4.1 - 1.9 * np.cos(a) * r))
    pts.append((0.0, 0.0, 6.1))
    faces = [(0, 1 + (j + 1) % n_lon, 1 + j) for j in range(n_lon)]
    for i in range(n_lat - 2):
        for j in range(n_lon):
            a, b = 1 + i * n_lon + j, 1 + i * n_lon + (j + 1) % n_lon
            faces.append((a, b, b + n_lon, a + n_lon))
    top = len(pts) - 1
    last = 1 + (n_lat - 2) * n_lon
    faces += [(top, last + j, last + (j + 1) % n_lon) for j in range(n_lon)]
    return trunk, MeshData(pts, faces).oriented()


def vehicle_template() -> tuple[MeshData, MeshData, MeshData]:
    """(body, glasshouse, wheels) of a 4.5 m car on z = 0 facing +X."""
    body = hexa([(-2.25, -0.88, 0.30), (2.25, -0.86, 0.30), (2.25, 0.86, 0.30), (-2.25, 0.88, 0.30),
                 (-2.2, -0.88, 0.95), (2.1, -0.84, 0.80), (2.1, 0.84, 0.80), (-2.2, 0.88, 0.95)])
    glass = hexa([(-1.7, -0.80, 0.95), (0.9, -0.80, 0.86), (0.9, 0.80, 0.86), (-1.7, 0.80, 0.95),
                  (-1.3, -0.66, 1.45), (-0.1, -0.66, 1.45), (-0.1, 0.66, 1.45), (-1.3, 0.66, 1.45)])
    wheels = []
    for x in (-1.35, 1.35):
        for y in (-0.78, 0.78):
            w = cylinder(0.32, -0.11, 0.11, 10)
            w.points = w.points[:, [0, 2, 1]] * [1, 1, 1] + [x, y, 0.32]
            wheels.append(w.oriented())
    return body, glass, merge(*wheels)


def lamp_template() -> tuple[MeshData, MeshData]:
    """(pole and arm, luminaire): a 9 m pole with a 1.5 m arm along +Y and its head's
    diffuser facing down, 8.8 m above the ground."""
    pole = merge(cylinder(0.08, 0.0, 9.0, 8), box((-0.04, 0.0, 8.92), (0.04, 1.5, 9.0)))
    head = box((-0.18, 1.2, 8.80), (0.18, 1.8, 8.95))
    return pole, head


def tunnel_template() -> tuple[MeshData, MeshData]:
    """(shell, lamp strips): a 10 m wide tunnel, vertical walls to 4.5 m and a vault to 6.5 m,
    centred on Y = 0 and X = 0, open at both ends; two lines of lamps along the vault."""
    profile = [(5.0, -0.5), (5.0, 4.5)] + [(5.0 * np.cos(a), 4.5 + 2.0 * np.sin(a))
                                          for a in np.linspace(0.0, np.pi, 9)[1:-1]] + [(-5.0, 4.5), (-5.0, -0.5)]
    L = ROAD_HALF_LENGTH_M
    pts = [(x, y, z) for x in (-L, L) for y, z in profile]
    n = len(profile)
    faces = [(i, i + 1, n + i + 1, n + i) for i in range(n - 1)]
    strips = merge(*[box((-L, y - 0.15, 5.9), (L, y + 0.15, 6.0)) for y in (-1.8, 1.8)])
    return MeshData(pts, faces), strips
