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

from ..body.face_hands import face_hand_side
from ..driver import FaceState
from ..driver.build import eye_apertures
from ..presets.preset import Preset
from ..presets.sampler import FieldSampler, FrameParams, gaze_direction_head, sample_frame
from ..scene.accessories import held_phone_poses, phone_screen, stage_phone_poses
from ..scene.cabin import CabinInfo, cabin_asset_path, read_cabin
from ..scene.rig import head_transform, head_transforms
from ..scene.zones import gaze_zones, zone_soup
from .models import PHONE_POSITION, Behaviour, phone_target, plan
from .script import Script

ROAD_ZONE = "road_ahead"
PERCLOS_WINDOW_S = 60.0
P80 = 0.2                        # eyes "closed" when the aperture is at most 20 % of the open aperture
APERTURE_PITCH_GRID_DEG = np.arange(-40.0, 40.1, 10.0)
APERTURES_KEPT = 8
_APERTURES: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


@lru_cache(maxsize=None)
def cabin_stage(name: str, drive: str):
    """The cabin asset's stage composed with this drive, and the cabin read from it."""
    from pxr import Usd

    stage = Usd.Stage.Open(str(cabin_asset_path(name)))
    return stage, read_cabin(stage, name=name, drive=drive)


def cabin_info(name: str, drive: str) -> CabinInfo:
    return cabin_stage(name, drive)[1]


def glance_targets(cabin: CabinInfo, script: Script | None) -> dict[str, np.ndarray]:
    """What glances aim at: the zones' targets, the screen of the phone held at
    PHONE_POSITION ('phone'), and the screens at the positions the script's phone
    glances name (phone_target(position)); positions on the car need its surfaces."""
    targets = dict(cabin.zone_targets, phone=phone_screen(*held_phone_poses(cabin)[PHONE_POSITION]))
    wanted = {g.phone_position for g in (script.glances if script else ()) if g.target == "phone"}
    if wanted:
        poses = stage_phone_poses(cabin_stage(cabin.name, cabin.drive)[0], "/Cabin", cabin)
        targets.update({phone_target(p): phone_screen(*poses[p]) for p in wanted})
    return targets


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
        R, origin = head_poses(self.base, cabin, euler, offset)
        direction, distance = self.behaviour.gaze(t, origin)
        eye_yaw, eye_pitch = eye_in_head(R, direction)
        return frame_params(self.base, np.full(len(t), index), euler, offset, eye_yaw, eye_pitch, distance,
                            self.behaviour.closure(t), self.behaviour.expression(t),
                            self.behaviour.info_at("phone_in_hand", "position", t),
                            self.behaviour.info_at("hand_pose", "pose", t))


def head_poses(base: FrameParams, cabin: CabinInfo, euler: np.ndarray, offset: np.ndarray):
    """Head rotation (N,3,3) and origin (N,3) for per-time head euler angles and offset increments."""
    return head_transforms(base, cabin, euler, offset)


def sample_behaviour(preset: Preset, seed: int, clip: int, t: np.ndarray, script: Script | None = None):
    """(base params, behaviour, cabin, per-time head euler, offsets, R, origins, gaze dirs, distances)."""
    base = sample_frame(preset, seed, clip)
    cabin = cabin_info(base.cabin, base.drive)
    eye_rest = head_transform(base, cabin)[1]
    values = FieldSampler(preset, seed, clip)
    soup = zone_soup(cabin)
    behaviour = plan(preset.section("behaviour"), values, glance_targets(cabin, script),
                     lambda o, d: gaze_zones(soup, np.broadcast_to(o, d.shape), d), eye_rest, base.head_euler_deg,
                     float(preset.section("clip")["duration_s"]), seed, clip, script)
    euler, offset = behaviour.head(t)
    R, origin = head_poses(base, cabin, euler, offset)
    direction, distance = behaviour.gaze(t, origin)
    return base, behaviour, cabin, euler, offset, R, origin, direction, distance


def eye_in_head(R: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaze yaw and pitch in the head frame, degrees, of vehicle-frame gaze directions."""
    eye = np.einsum("nji,nj->ni", R, direction)
    return np.degrees(np.arctan2(eye[:, 1], eye[:, 0])), np.degrees(-np.arcsin(np.clip(eye[:, 2], -1, 1)))


def frame_params(base: FrameParams, index, euler, offset, eye_yaw, eye_pitch, distance, closure,
                 expression, in_hand, hands) -> tuple[FrameParams, ...]:
    """Per-time frame parameters: the clip's base with each time's head, gaze, lids,
    expression, and phone in hand (its position) or scripted hand pose."""
    base_expr = dict(base.expression)
    return tuple(replace(
        base, index=int(i),
        head_euler_deg=tuple(float(x) for x in euler[k]),
        head_offset_m=tuple(float(x) for x in np.add(base.head_offset_m, offset[k])),
        gaze_yaw_deg=float(eye_yaw[k]), gaze_pitch_deg=float(eye_pitch[k]), gaze_distance_m=float(distance[k]),
        eyelid_closure=float(closure[k]),
        expression={name: float(max(base_expr.get(name, 0.0), expression[name][k])) for name in base_expr},
        **frame_changes(base, in_hand[k], hands[k]))
        for k, i in enumerate(index))


def open_aperture_table(base: FrameParams) -> tuple[np.ndarray, np.ndarray]:
    """Open aperture (mm, [right, left]) at each grid eye pitch, and the closed aperture,
    measured on the driver geometry (the lid model is linear in closure at any pitch).
    Kept for the last few drivers: a compliance clip fitted to length is made again."""
    key = base.identity.key()
    if key not in _APERTURES:
        def aperture(pitch: float, closure: float) -> np.ndarray:
            target = gaze_direction_head(0.0, pitch) * 10.0
            return eye_apertures(base.identity, FaceState(target, np.full(2, closure)))
        _APERTURES[key] = (np.array([aperture(p, 0.0) for p in APERTURE_PITCH_GRID_DEG]), aperture(0.0, 1.0))
        while len(_APERTURES) > APERTURES_KEPT:
            del _APERTURES[next(iter(_APERTURES))]
    return _APERTURES[key]


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


def holding_phone(base: FrameParams, position: str) -> dict[str, Any]:
    """FrameParams fields of a frame whose driver holds the phone in the inboard
    hand at `position` (the other hand keeps the wheel; docs/driver.md, Body)."""
    return {"body": replace(base.body, hand_pose="phone_in_hand"),
            "accessories": replace(base.accessories, phone=position)}


def frame_changes(base: FrameParams, phone: str | None, hand: str | None) -> dict[str, Any]:
    """FrameParams fields a frame changes from its clip's base: the phone in the hand
    (its position) or a scripted hand pose (the phone wins: it needs the hand)."""
    if phone is not None:
        return holding_phone(base, phone)
    return {"body": replace(base.body, hand_pose=hand)} if hand is not None else {}


def eye_closures(closure: np.ndarray, hands: list, drive: str) -> np.ndarray:
    """Per frame [right, left] closure: the lids' closure, and the rubbed eye shut
    while a hand rubs it (as the frame's face state does, pipeline.face_state)."""
    both = np.repeat(closure[:, None], 2, axis=1)
    rubbed = np.array([h == "eye_rub" for h in hands], bool)
    both[rubbed, face_hand_side("eye_rub", 1.0 if drive == "lhd" else -1.0)] = 1.0
    return both


def driving_labels(preset: Preset, seed: int, clip: int, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The clip's driving context and per-frame speed (preset section `driving`, clip presets;
    nothing when the preset has none)."""
    if "driving" not in preset.data:
        return {}, {}
    values = FieldSampler(preset, seed, clip)
    speed = float(values("driving.speed_kmh"))
    return {"driving": {"context": str(values("driving.context"))}}, {"speed_kmh": [speed] * n}


def make_clip(preset: Preset, seed: int, clip: int, script: Script | None = None,
              first_frame: int | None = None) -> Clip:
    """Clip `clip`: drawn behaviour, or the `script`'s glances, closures and hand poses
    on top of the drawn road scanning, blinks and face. Its frames are dataset frames
    first_frame + k (default clip * frames per clip)."""
    fps = int(preset.section("clip")["fps"])
    n = frames_per_clip(preset)
    t = np.arange(n) / fps
    base, behaviour, cabin, euler, offset, R, origin, direction, distance = sample_behaviour(preset, seed, clip, t,
                                                                                            script)
    closure = behaviour.closure(t)
    expression = behaviour.expression(t)
    phone = behaviour.active("phone_use", t)
    in_hand = behaviour.info_at("phone_in_hand", "position", t)
    hands = behaviour.info_at("hand_pose", "pose", t)

    eye_yaw, eye_pitch = eye_in_head(R, direction)
    soup = zone_soup(cabin)
    zones = gaze_zones(soup, origin, direction)

    table, closed_mm = open_aperture_table(base)
    open_mm = np.stack([np.interp(eye_pitch, APERTURE_PITCH_GRID_DEG, table[:, e]) for e in range(2)], axis=1)
    per_eye = eye_closures(closure, hands, base.drive)
    aperture = open_mm * (1.0 - per_eye) + closed_mm[None, :] * per_eye
    closed80 = aperture.mean(axis=1) <= P80 * open_mm.mean(axis=1)
    series, window_s = perclos(closed80, fps)

    first = clip * n if first_frame is None else first_frame
    params = frame_params(base, first + np.arange(n), euler, offset, eye_yaw, eye_pitch, distance, closure, expression,
                          in_hand, hands)
    driving, speed = driving_labels(preset, seed, clip, n)

    model = {kind: [dict(start_s=iv.start_s, end_s=iv.end_s, duration_s=iv.end_s - iv.start_s, **iv.info)
                    for iv in behaviour.intervals if iv.kind == kind]
             for kind in ("glance", "blink", "microsleep", "long_closure", "head_nod", "yawn", "talking", "laughing",
                          "hand_pose")}
    labels = {
        "clip": clip,
        "seed": seed,
        "preset": preset.name,
        "fps": fps,
        "duration_s": n / fps,
        "first_frame": first,
        "frame_count": n,
        "kss": behaviour.kss,
        "driver": base.driver(),
        "cabin": {"name": base.cabin, "drive": base.drive},
        **driving,
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
            "hand_pose": [p.body.hand_pose for p in params],
            **speed,
        },
        "events": {
            "distraction": distraction_events(zones, fps),
            "eye_closure": [run_event(a, b, fps) for a, b in runs(closed80)],
            "phone_use": [run_event(a, b, fps) for a, b in runs(phone)],
            **model,
        },
    }
    return Clip(clip, fps, base, behaviour, params, labels)


