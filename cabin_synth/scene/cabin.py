"""Read the cabin assets (usd_assets/cabins/*.usda) into plain data.

No rendering here: :func:`read_cabin` returns the anchors a scene needs (camera
mounts, design eye point, seat H-point, steering-wheel hub and axis), the
gaze-zone triangles and the triangles of the parts that never move, all in the
vehicle frame of docs/conventions.md.

The vehicle frame is the cabin root prim's local frame (``/Cabin`` in the asset,
or wherever the asset is referenced, e.g. ``/World/Cabin``).  The scene
convention is to reference cabins with an identity transform, in which case the
vehicle frame and the USD world frame coincide.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass

import numpy as np
from pxr import Usd, UsdGeom

from ..paths import USD_ASSETS

__all__ = ["CabinInfo", "available_cabins", "cabin_asset_path", "read_cabin", "DRIVES"]

DRIVES: tuple[str, ...] = ("lhd", "rhd")


@dataclass(frozen=True)
class CabinInfo:
    name: str
    drive: str  # "lhd" | "rhd"
    mounts: dict[str, np.ndarray]  # snake_case mount name -> (3,) position, vehicle frame
    design_eye_point: np.ndarray  # (3,)
    driver_seat: np.ndarray  # (3,) H-point
    wheel_centre: np.ndarray  # (3,) hub centre
    wheel_axis: np.ndarray  # (3,) unit column axis pointing at the driver
    zones: dict[str, np.ndarray]  # snake_case zone name -> (N, 3, 3) triangles, vehicle frame
    # Driver seat track limits, mm from driver_seat: rows fore-aft (+X), height (+Z); columns (min, max).
    seat_track_mm: np.ndarray
    # snake_case zone name -> (M, 3, 3) triangles of the zone's glance target (its "Target"
    # GeomSubset: the screen, mirror glass, lid...), a part of zones[name]; all of it without one
    zone_targets: dict[str, np.ndarray]
    # (S, 3, 3) triangles of every cabin part that never moves (all but the steering wheel and the
    # guide-purpose zones), vehicle frame: what a camera module must keep clear of (scene/placement.py)
    static_triangles: np.ndarray


def _cabins_dir() -> pathlib.Path:
    return USD_ASSETS / "cabins"


def available_cabins() -> tuple[str, ...]:
    """Names of the cabin assets shipped in usd_assets/cabins/, sorted."""
    d = _cabins_dir()
    if not d.is_dir():
        return ()
    return tuple(sorted(p.stem for p in d.glob("*.usda")))


def cabin_asset_path(name: str) -> pathlib.Path:
    """Path of ``usd_assets/cabins/<name>.usda``; ValueError for an unknown name."""
    names = available_cabins()
    if name not in names:
        raise ValueError(f"unknown cabin {name!r}; available cabins: {', '.join(names) or '(none)'}")
    return _cabins_dir() / f"{name}.usda"


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return s.lower()


def _to_np(m) -> np.ndarray:
    return np.array([[m[i][j] for j in range(4)] for i in range(4)], dtype=float)


def _select_drive(stage: Usd.Stage, prim: Usd.Prim, drive: str) -> None:
    """Author the drive selection.

    Normally at the stage's edit target (a scene that references the cabin keeps
    the choice in its own layer).  When the edit target is the layer that defines
    the variant set itself (the asset opened directly), the selection goes to the
    session layer instead: asset layers are shared by every stage in the process
    that opens or references the file, and must not be changed behind their back.
    """
    target = stage.GetEditTarget()
    layer = target.GetLayer()
    spec = layer.GetPrimAtPath(target.MapToSpecPath(prim.GetPath())) if layer else None
    if spec is not None and "drive" in spec.variantSets:
        with Usd.EditContext(stage, stage.GetSessionLayer()):
            prim.GetVariantSets().GetVariantSet("drive").SetVariantSelection(drive)
    else:
        prim.GetVariantSets().GetVariantSet("drive").SetVariantSelection(drive)


def fan_triangles(counts: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T,3) point indices of USD polygons (faceVertexCounts, faceVertexIndices) fanned from
    each one's first vertex, and (T,) the polygon each triangle came from."""
    counts, indices = np.asarray(counts, np.int64), np.asarray(indices)
    fans = np.maximum(counts - 2, 0)
    face = np.repeat(np.arange(len(counts)), fans)
    first = np.repeat(np.cumsum(counts) - counts, fans)
    j = np.arange(len(face)) - np.repeat(np.cumsum(fans) - fans, fans) + 1
    return np.stack([indices[first], indices[first + j], indices[first + j + 1]], axis=1), face


def mesh_triangles(mesh: UsdGeom.Mesh, to_vehicle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T,3,3) triangles of a mesh's polygons, fanned from each one's first vertex and
    moved by the row-vector 4x4 `to_vehicle`, and (T,) the polygon each came from."""
    points = np.asarray(mesh.GetPointsAttr().Get(), float) @ to_vehicle[:3, :3] + to_vehicle[3, :3]
    corners, face = fan_triangles(mesh.GetFaceVertexCountsAttr().Get(), mesh.GetFaceVertexIndicesAttr().Get())
    return points[corners].reshape(-1, 3, 3), face


def read_cabin(stage: Usd.Stage, root: str = "/Cabin", name: str = "", drive: str = "lhd") -> CabinInfo:
    """Read a cabin from ``stage`` at ``root`` (the asset opened directly, or referenced).

    ``drive`` selects the "drive" variant.  If the stage currently composes the
    other drive, the selection is authored (see :func:`_select_drive`: at the
    stage's edit target, or in the session layer when the stage is the asset file
    itself) so that the composed stage and the returned data agree.  ``name`` defaults to the
    asset name stored in the root prim's assetInfo.
    """
    if drive not in DRIVES:
        raise ValueError(f"drive must be one of {DRIVES}, got {drive!r}")
    prim = stage.GetPrimAtPath(root)
    if not prim or not prim.IsValid():
        raise ValueError(f"no prim at {root!r}")
    if not prim.GetVariantSets().HasVariantSet("drive"):
        raise ValueError(f"{root} has no 'drive' variant set: not a cabin-synth cabin")
    vset = prim.GetVariantSets().GetVariantSet("drive")
    if vset.GetVariantSelection() != drive:
        if drive not in vset.GetVariantNames():
            raise ValueError(f"{root} has no drive variant {drive!r}")
        _select_drive(stage, prim, drive)
        prim = stage.GetPrimAtPath(root)
    if not name:
        name = str(Usd.ModelAPI(prim).GetAssetName() or "")

    cache = UsdGeom.XformCache(Usd.TimeCode.Default())
    root_inv = _to_np(cache.GetLocalToWorldTransform(prim).GetInverse())

    def local_to_vehicle(p: Usd.Prim) -> np.ndarray:
        # Gf matrices are row-vector: p_world = p_local @ M; vehicle = world @ root_inv
        return _to_np(cache.GetLocalToWorldTransform(p)) @ root_inv

    def position(path: str) -> np.ndarray:
        p = stage.GetPrimAtPath(f"{root}/{path}")
        if not p:
            raise ValueError(f"cabin {root} lacks {path}")
        return local_to_vehicle(p)[3, :3].copy()

    mounts: dict[str, np.ndarray] = {}
    mroot = stage.GetPrimAtPath(f"{root}/Mounts")
    if mroot:
        for child in mroot.GetChildren():
            if child.IsA(UsdGeom.Xformable):
                mounts[_snake(child.GetName())] = local_to_vehicle(child)[3, :3].copy()

    wheel = stage.GetPrimAtPath(f"{root}/SteeringWheel")
    if not wheel:
        raise ValueError(f"cabin {root} lacks SteeringWheel")
    mw = local_to_vehicle(wheel)
    axis = mw[2, :3] / np.linalg.norm(mw[2, :3])

    zones: dict[str, np.ndarray] = {}
    zone_targets: dict[str, np.ndarray] = {}
    zroot = stage.GetPrimAtPath(f"{root}/Zones")
    if zroot:
        for child in zroot.GetChildren():
            if not child.IsA(UsdGeom.Mesh):
                continue
            attr = child.GetAttribute("cabin_synth:zone")
            zname = attr.Get() if attr and attr.HasValue() else _snake(child.GetName())
            tris, face = mesh_triangles(UsdGeom.Mesh(child), local_to_vehicle(child))
            target = UsdGeom.Subset(child.GetChild("Target"))
            zones[str(zname)] = tris
            zone_targets[str(zname)] = tris[np.isin(face, target.GetIndicesAttr().Get())] if target else tris

    static = [mesh_triangles(UsdGeom.Mesh(p), local_to_vehicle(p))[0] for p in Usd.PrimRange(prim)
              if p.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(p).ComputePurpose() != UsdGeom.Tokens.guide
              and not p.GetPath().HasPrefix(wheel.GetPath())]

    seat = stage.GetPrimAtPath(f"{root}/DriverSeat")
    track = [seat.GetAttribute(f"cabin_synth:track_{axis}_mm").Get() for axis in ("fore_aft", "height")]
    if any(t is None for t in track):
        raise ValueError(f"cabin {root} lacks the driver seat track limits (cabin_synth:track_*_mm on DriverSeat)")

    return CabinInfo(
        name=name,
        drive=drive,
        mounts=mounts,
        design_eye_point=position("DesignEyePoint"),
        driver_seat=position("DriverSeat"),
        wheel_centre=mw[3, :3].copy(),
        wheel_axis=axis,
        zones=zones,
        seat_track_mm=np.array(track, dtype=float),
        zone_targets=zone_targets,
        static_triangles=np.concatenate(static) if static else np.zeros((0, 3, 3)),
    )
