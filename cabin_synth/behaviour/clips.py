"""Clips: a behaviour sampled at the frame times, per-frame parameters and the
clip's labels (per-frame series, event intervals, PERCLOS, KSS).

Clip c of a clip preset has n = fps * duration_s frames; its frame k is dataset
frame g = c * n + k, so every frame is still a function of (seed, g). The
clip-level draws (driver, cabin, camera, lighting, behaviour.kss, ...) use the
clip index as their stream index; the behaviour processes their own streams
(behaviour.py). Label definitions: docs/labels.md, schemas/clip.schema.json.
"""

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from ..driver import FaceState, build_driver
from ..presets.preset import Preset
from ..presets.sampler import FieldSampler, FrameParams, gaze_direction_head, sample_frame
from ..scene.accessories import held_phone_poses, phone_screen
from ..scene.cabin import CabinInfo, cabin_asset_path, read_cabin
from ..scene.rig import head_transform
from ..scene.zones import gaze_zone, zone_soup
from .models import Behaviour, plan

ROAD_ZONE = "road_ahead"
PERCLOS_WINDOW_S = 60.0
P80 = 0.2                        # eyes "closed" when the aperture is at most 20 % of the open aperture
APERTURE_PITCH_GRID_DEG = np.arange(-40.0, 40.1, 10.0)
PHONE_POSITION = "lap"           # where the driver holds the phone during a phone glance (a lap-zone glance)


@lru_cache(maxsize=None)
def cabin_info(name: str, drive: str) -> CabinInfo:
    from pxr import Usd

    return read_cabin(Usd.Stage.Open(str(cabin_asset_path(name))), drive=drive)


def frames_per_clip(preset: Preset) -> int:
    clip = preset.section("clip")
    return int(round(clip["fps"] * clip["duration_s"]))


@dataclass(frozen=True)
class Clip:
    index: int
    fps: int
    base: FrameParams                 # the clip's driver, cabin, camera, lighting
    behaviour: Behaviour
    params: tuple[FrameParams, ...]   # one per frame
    labels: dict[str, Any]            # clip.json without `frames` files

    def params_at(self, t: np.ndarray, index: int, sensor) -> tuple[FrameParams, ...]:
        """Frame parameters at clip times `t` (s; any, not only the frame times), all
        carrying frame index `index`: what a sensor sees during frame `index`'s exposure."""
        t = np.asarray(t, float)
        cabin = cabin_info(self.base.cabin, self.base.drive)
        euler, offset = self.behaviour.head(t)
        R, origin = head_poses(self.base, cabin, sensor, euler, offset)
        direction, distance = self.behaviour.gaze(t, origin)
        eye_yaw, eye_pitch = eye_in_head(R, direction)
        return frame_params(self.base, np.full(len(t), index), euler, offset, eye_yaw, eye_pitch, distance,
                            self.behaviour.closure(t), self.behaviour.expression(t),
                            self.behaviour.active("phone_in_hand", t))


def head_poses(base: FrameParams, cabin: CabinInfo, euler: np.ndarray, offset: np.ndarray):
    """Head rotation (N,3,3) and origin (N,3) for per-time head euler angles and offset increments."""
    poses = [head_transform(replace(base, head_euler_deg=tuple(e), head_offset_m=tuple(np.add(base.head_offset_m, o))),
                            cabin) for e, o in zip(euler, offset)]
    return np.array([R for R, _ in poses]), np.array([t for _, t in poses])


def sample_behaviour(preset: Preset, seed: int, clip: int, t: np.ndarray):
    """(base params, behaviour, cabin, per-time head euler, offsets, R, origins, gaze dirs, distances)."""
    base = sample_frame(preset, seed, clip)
    cabin = cabin_info(base.cabin, base.drive)
    eye_rest = head_transform(base, cabin)[1]
    values = FieldSampler(preset, seed, clip)
    soup = zone_soup(cabin)
    targets = dict(cabin.zone_targets, phone=phone_screen(*held_phone_poses(cabin)[PHONE_POSITION]))
    behaviour = plan(preset.section("behaviour"), values, targets, lambda o, d: gaze_zone(soup, o, d)[0],
                     eye_rest, base.head_euler_deg,
                     float(preset.section("clip")["duration_s"]), seed, clip)
    euler, offset = behaviour.head(t)
    R, origin = head_poses(base, cabin, euler, offset)
    direction, distance = behaviour.gaze(t, origin)
    return base, behaviour, cabin, euler, offset, R, origin, direction, distance


def eye_in_head(R: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaze yaw and pitch in the head frame, degrees, of vehicle-frame gaze directions."""
    eye = np.einsum("nji,nj->ni", R, direction)
    return np.degrees(np.arctan2(eye[:, 1], eye[:, 0])), np.degrees(-np.arcsin(np.clip(eye[:, 2], -1, 1)))


def frame_params(base: FrameParams, index, euler, offset, eye_yaw, eye_pitch, distance, closure,
                 expression, in_hand) -> tuple[FrameParams, ...]:
    """Per-time frame parameters: the clip's base with each time's head, gaze, lids,
    expression and phone in hand."""
    base_expr = dict(base.expression)
    return tuple(replace(
        base, index=int(i),
        head_euler_deg=tuple(float(x) for x in euler[k]),
        head_offset_m=tuple(float(x) for x in np.add(base.head_offset_m, offset[k])),
        gaze_yaw_deg=float(eye_yaw[k]), gaze_pitch_deg=float(eye_pitch[k]), gaze_distance_m=float(distance[k]),
        eyelid_closure=float(closure[k]),
        expression={name: float(max(base_expr.get(name, 0.0), expression[name][k])) for name in base_expr},
        **(holding_phone(base) if in_hand[k] else {}))
        for k, i in enumerate(index))


def open_aperture_table(base: FrameParams) -> tuple[np.ndarray, np.ndarray]:
    """Open aperture (mm, [right, left]) at each grid eye pitch, and the closed aperture,
    measured on the driver geometry (the lid model is linear in closure at any pitch)."""
    def aperture(pitch: float, closure: float) -> np.ndarray:
        target = gaze_direction_head(0.0, pitch) * 10.0
        return build_driver(base.identity, FaceState(target, np.full(2, closure))).aperture_mm
    open_ = np.array([aperture(p, 0.0) for p in APERTURE_PITCH_GRID_DEG])
    return open_, aperture(0.0, 1.0)


def runs(flags) -> list[tuple[int, int]]:
    """[start, end) frame ranges of the maximal runs of True."""
    f = np.concatenate([[False], np.asarray(flags, bool), [False]])
    edges = np.flatnonzero(np.diff(f.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def run_event(a: int, b: int, fps: int, **extra) -> dict[str, Any]:
    return dict(start_frame=a, end_frame=b, start_s=a / fps, end_s=b / fps, duration_s=(b - a) / fps, **extra)


def distraction_events(zones: list[str], fps: int) -> list[dict[str, Any]]:
    """Maximal runs of frames whose gaze zone is not the road; the event's zone is
    the zone of most frames in the run (the earliest on a tie)."""
    out = []
    for a, b in runs([z != ROAD_ZONE for z in zones]):
        names = zones[a:b]
        zone = max(dict.fromkeys(names), key=names.count)
        out.append(run_event(a, b, fps, zone=zone))
    return out


def perclos(closed: np.ndarray, fps: int) -> tuple[np.ndarray, float]:
    """Trailing-window PERCLOS per frame (window PERCLOS_WINDOW_S, or the frames so far
    while fewer have passed) and the window actually used, s."""
    n = len(closed)
    w = min(int(round(PERCLOS_WINDOW_S * fps)), n)
    c = np.concatenate([[0.0], np.cumsum(closed, dtype=float)])
    k = np.arange(n)
    lo = np.maximum(k + 1 - w, 0)
    return (c[k + 1] - c[lo]) / (k + 1 - lo), w / fps


def holding_phone(base: FrameParams) -> dict[str, Any]:
    """FrameParams fields of a frame whose driver holds the phone in the inboard
    hand at PHONE_POSITION (the other hand keeps the wheel; docs/driver.md, Body)."""
    return {"body": replace(base.body, hand_pose="phone_in_hand"),
            "accessories": replace(base.accessories, phone=PHONE_POSITION)}


def make_clip(preset: Preset, seed: int, clip: int) -> Clip:
    fps = int(preset.section("clip")["fps"])
    n = frames_per_clip(preset)
    t = np.arange(n) / fps
    base, behaviour, cabin, euler, offset, R, origin, direction, distance = sample_behaviour(preset, seed, clip, t)
    closure = behaviour.closure(t)
    expression = behaviour.expression(t)
    phone = behaviour.active("phone_use", t)
    in_hand = behaviour.active("phone_in_hand", t)

    eye_yaw, eye_pitch = eye_in_head(R, direction)
    soup = zone_soup(cabin)
    zones = [gaze_zone(soup, o, d)[0] for o, d in zip(origin, direction)]

    table, closed_mm = open_aperture_table(base)
    open_mm = np.stack([np.interp(eye_pitch, APERTURE_PITCH_GRID_DEG, table[:, e]) for e in range(2)], axis=1)
    aperture = open_mm * (1.0 - closure[:, None]) + closed_mm[None, :] * closure[:, None]
    closed80 = aperture.mean(axis=1) <= P80 * open_mm.mean(axis=1)
    series, window_s = perclos(closed80, fps)

    first = clip * n
    params = frame_params(base, first + np.arange(n), euler, offset, eye_yaw, eye_pitch, distance, closure, expression,
                          in_hand)

    model = {kind: [dict(start_s=iv.start_s, end_s=iv.end_s, duration_s=iv.end_s - iv.start_s, **iv.info)
                    for iv in behaviour.intervals if iv.kind == kind]
             for kind in ("glance", "blink", "microsleep", "head_nod", "yawn", "talking", "laughing")}
    labels = {
        "clip": clip,
        "seed": seed,
        "preset": preset.name,
        "fps": fps,
        "duration_s": n / fps,
        "first_frame": first,
        "frame_count": n,
        "kss": behaviour.kss,
        "driver": base.identity.to_dict(),
        "cabin": {"name": base.cabin, "drive": base.drive},
        "perclos_p80": {"window_s": window_s, "clip": float(closed80.mean()), "per_frame": series.tolist()},
        "per_frame": {
            "time_s": t.tolist(),
            "gaze_zone": zones,
            "gaze_origin_vehicle_m": origin.tolist(),
            "gaze_direction_vehicle": direction.tolist(),
            "gaze_distance_m": distance.tolist(),
            "head_euler_zyx_deg": euler.tolist(),
            "eye_in_head_yaw_pitch_deg": np.stack([eye_yaw, eye_pitch], axis=1).tolist(),
            "eyelid_closure": closure.tolist(),
            "aperture_mm": aperture.tolist(),
            "open_aperture_mm": open_mm.tolist(),
            "eyes_closed_p80": closed80.tolist(),
            "phone_use": phone.tolist(),
            "talking": behaviour.active("talking", t).tolist(),
            "laughing": behaviour.active("laughing", t).tolist(),
            "yawning": behaviour.active("yawn", t).tolist(),
            "mouth_open": [p.expression.get("mouth_open", 0.0) for p in params],
            "smile": [p.expression.get("smile", 0.0) for p in params],
        },
        "events": {
            "distraction": distraction_events(zones, fps),
            "eye_closure": [run_event(a, b, fps) for a, b in runs(closed80)],
            "phone_use": [run_event(a, b, fps) for a, b in runs(phone)],
            **model,
        },
    }
    return Clip(clip, fps, base, behaviour, params, labels)


