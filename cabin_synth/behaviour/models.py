"""Behaviour models of a driver over a clip: where the eyes and head go, how
the lids move, what the face does. A clip's behaviour is a pure function of
(preset, seed, clip index) and lives in continuous time; clips.py samples it at
the frame times. Every process draws from its own stream
(seed, clip, 'behaviour.<process>'), so adding a process changes no other.

Processes (figures and sources: docs/behaviour.md):
- glances: road fixation (with small scanning saccades), saccade to a zone,
  dwell, return; each glance is lizard (eyes), owl (head) or body_lean (head
  and torso); phone use is a glance at the screen of the phone the driver
  holds in the lap (cabin_zones['phone']), the hand on it for the whole glance.
- eye and head kinematics: main-sequence saccades; the eyes lead, the head
  follows for shifts beyond HEAD_THRESHOLD_DEG, and eye-in-head is gaze minus
  head, which is what the vestibulo-ocular reflex does: gaze stays on the
  target while the head arrives.
- blinks; drowsiness by KSS: lid droop, longer blinks, microsleeps with head
  nods, yawns; talking and laughing (no-false-alarm behaviours).
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..body.poses import HAND_HELD
from ..presets.distributions import draw
from ..presets.streams import stream
from . import kinematics as kin
from .script import Script

HEAD_THRESHOLD_DEG = 15.0           # smaller gaze shifts are made by the eyes alone
EYE_LIMIT_DEG = 40.0                # eye-in-head at the end of a gaze saccade stays within this
HEAD_SHARE = {"lizard": 0.1, "owl": 0.75, "body_lean": 0.6}
HEAD_LAG_S = 0.03                   # the head starts this long after the eyes
HEAD_YAW_LIMIT_DEG, HEAD_PITCH_LIMIT_DEG = 80.0, (-30.0, 45.0)
LEAN_M = 0.15                       # torso lean moves the head this far towards the target
SACCADE_VELOCITY_SPREAD = 0.06      # log-sd of a saccade's peak velocity about the main sequence
ROAD_FIXATION_S = {"lognormal": {"median": 0.7, "sigma": 0.5, "min": 0.2, "max": 3.0}}
ROAD_DISTANCE_M = 40.0
ROAD_PITCH_DEG = 1.7                # the road 40 m ahead seen from 1.2 m above it
FAR_ZONES = {"road_ahead": 40.0, "driver_window": 15.0, "passenger_window": 15.0}
# Blinks (alert): duration median and log-sd, shares of closing, closed and opening phases.
BLINK_MEDIAN_S, BLINK_SIGMA, BLINK_RANGE_S = 0.15, 0.25, (0.08, 0.6)
BLINK_PHASES = (0.3, 0.1, 0.6)
# Drowsiness by KSS level (index = KSS): lid droop, blink slowing, microsleeps, yawns.
DROOP_PER_KSS = 0.06                # closure added per KSS level above 5
BLINK_SLOWING_S_PER_KSS = 0.035     # blink duration added per KSS level above 5
BLINK_RATE_GAIN_PER_KSS = 0.1       # relative blink-rate increase per KSS level above 5
MICROSLEEP_RATE_PER_MIN = {7: 0.5, 8: 1.5, 9: 3.0}
MICROSLEEP_MEDIAN_S = {7: 0.8, 8: 1.1, 9: 1.5}
YAWN_RATE_PER_MIN = {5: 0.1, 6: 0.2, 7: 0.4, 8: 0.6, 9: 0.8}
YAWN_S = {"lognormal": {"median": 6.0, "sigma": 0.2, "min": 3.5, "max": 10.0}}
TALK_BURST_S = {"lognormal": {"median": 2.5, "sigma": 0.5, "min": 0.5, "max": 10.0}}
LAUGH_S = {"lognormal": {"median": 1.5, "sigma": 0.4, "min": 0.6, "max": 4.0}}
PHONE_POSITION = "lap"              # where the driver holds the phone during a drawn phone glance
# A long closure (microsleep or scripted): the lids close and reopen in these times, the head
# drops by a uniform draw from NOD_DEG while they are shut and snaps back in NOD_RECOVERY_S.
CLOSE_S, REOPEN_S, NOD_DEG, NOD_RECOVERY_S = 0.3, 0.15, (8.0, 20.0), 0.25


def phone_target(position: str) -> str:
    """The key of the phone's screen at `position` among plan's glance targets."""
    return f"phone/{position}"


@dataclass(frozen=True)
class Saccade:
    t0: float
    duration: float
    start: np.ndarray          # fixated point before, vehicle frame, m
    end: np.ndarray            # fixated point after
    amplitude_deg: float       # as seen from the resting eye point
    peak_deg_s: float


@dataclass(frozen=True)
class HeadMove:
    """An increment of head yaw/pitch (deg) and head-origin offset (m), minimum-jerk."""
    t0: float
    duration: float
    yaw_pitch_deg: tuple[float, float]
    offset_m: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Interval:
    kind: str                  # glance, phone_use, phone_in_hand, blink, microsleep, long_closure, head_nod, yawn,
                               # talking, laughing, hand_pose
    start_s: float
    end_s: float
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LidMove:
    t0: float
    close_s: float
    hold_s: float
    open_s: float


@dataclass(frozen=True)
class Behaviour:
    duration_s: float
    kss: int
    rest_head_deg: tuple[float, float, float]
    first_target: np.ndarray
    saccades: tuple[Saccade, ...]
    head_moves: tuple[HeadMove, ...]
    lid_moves: tuple[LidMove, ...]         # blinks and microsleep closures, to full closure
    intervals: tuple[Interval, ...]
    droop: float                           # resting closure from drowsiness
    mouth: tuple[tuple[str, float, float, float, float, float], ...]  # (kind, t0, t1, peak, rate_hz, phase)

    def head(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head euler (N,3) deg (yaw, pitch, roll) and offset increments (N,3) m at times t."""
        euler = np.tile(np.array(self.rest_head_deg, float), (len(t), 1))
        offset = np.zeros((len(t), 3))
        for m in self.head_moves:
            s = kin.min_jerk((t - m.t0) / m.duration)[:, None]
            euler[:, :2] += s * np.array(m.yaw_pitch_deg)
            offset += s * np.array(m.offset_m)
        return euler, offset

    def gaze(self, t: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit gaze directions (N,3) from `origin` (N,3) and the fixated distance (N,) m."""
        t, origin = np.asarray(t, float), np.asarray(origin, float)
        k = np.searchsorted([s.t0 for s in self.saccades], t, side="right") - 1
        before = k < 0
        # before the first saccade the gaze rests on the first target: a saccade from it to it
        pick = lambda field, first: np.array([first] + [getattr(s, field) for s in self.saccades])[k + 1]
        a = pick("start", self.first_target) - origin
        b = pick("end", self.first_target) - origin
        t0, dur = pick("t0", 0.0), pick("duration", 0.0)
        f = np.where(before | (dur <= 0), 1.0, kin.half_sine((t - t0) / np.where(dur > 0, dur, 1.0)))
        la, lb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
        return _slerp(a / la[:, None], b / lb[:, None], f), la * (lb / la) ** f

    def closure(self, t: np.ndarray) -> np.ndarray:
        """Eyelid closure (N,), 0 = alert aperture, 1 = closed (both eyes)."""
        c = np.full(len(t), self.droop)
        for m in self.lid_moves:
            on = (t >= m.t0) & (t < m.t0 + m.close_s + m.hold_s + m.open_s)
            pulse = kin.lid_pulse(t[on], m.t0, m.close_s, m.hold_s, m.open_s)
            c[on] = np.maximum(c[on], self.droop + (1.0 - self.droop) * pulse)
        for kind, t0, t1, peak, _, _ in self.mouth:
            squint = {"yawn": 0.5, "laughing": 0.35}.get(kind)
            if squint:
                c = np.maximum(c, self.droop + (1.0 - self.droop) * squint * _envelope(t, t0, t1) * min(peak, 1.0))
        return np.clip(c, 0.0, 1.0)

    def expression(self, t: np.ndarray) -> dict[str, np.ndarray]:
        mouth, smile = np.zeros(len(t)), np.zeros(len(t))
        for kind, t0, t1, peak, rate, phase in self.mouth:
            env = _envelope(t, t0, t1, ramp_s=(t1 - t0) * 0.45 if kind == "yawn" else 0.15)
            if kind == "yawn":
                mouth = np.maximum(mouth, peak * env)
            else:
                pulse = 0.5 - 0.5 * np.cos(2 * np.pi * rate * (t - t0) + phase)
                mouth = np.maximum(mouth, env * (0.1 + (peak - 0.1) * pulse))
                if kind == "laughing":
                    smile = np.maximum(smile, 0.85 * env)
        return {"mouth_open": np.clip(mouth, 0, 1), "smile": np.clip(smile, 0, 1)}

    def info_at(self, kind: str, key: str, t: np.ndarray) -> list:
        """Per time: `key` of the interval of this kind that holds it (the latest to
        start if several do), None outside them."""
        out = [None] * len(t)
        for iv in sorted((iv for iv in self.intervals if iv.kind == kind), key=lambda iv: iv.start_s):
            for i in np.flatnonzero((t >= iv.start_s) & (t < iv.end_s)):
                out[i] = iv.info[key]
        return out

    def active(self, kind: str, t: np.ndarray) -> np.ndarray:
        """Per time: inside an interval of this kind."""
        on = np.zeros(len(t), bool)
        for iv in self.intervals:
            if iv.kind == kind:
                on |= (t >= iv.start_s) & (t < iv.end_s)
        return on


def _slerp(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Per row: the unit vector a fraction f of the way from unit a to unit b on the great circle."""
    ang = np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0))
    same = ang < 1e-9
    sin = np.where(same, 1.0, np.sin(ang))
    out = (np.sin((1 - f) * ang)[:, None] * a + np.sin(f * ang)[:, None] * b) / sin[:, None]
    return np.where(same[:, None], a, out)


def _envelope(t, t0, t1, ramp_s=0.15):
    """1 inside [t0, t1] with minimum-jerk ramps of ramp_s at both ends, 0 outside."""
    return kin.min_jerk((t - t0) / ramp_s) * (1.0 - kin.min_jerk((t - (t1 - ramp_s)) / ramp_s))


def angles_deg(v: np.ndarray) -> tuple[float, float]:
    """Yaw and pitch (pitch > 0 down) of a vehicle-frame direction, degrees."""
    return (float(np.degrees(np.arctan2(v[1], v[0]))),
            float(np.degrees(np.arctan2(-v[2], np.hypot(v[0], v[1])))))


def angle_between_deg(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    return float(np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0))))


def zone_point(tris: np.ndarray, rng: np.random.Generator, shrink: float = 0.6) -> np.ndarray:
    """A random point on a zone patch (area-weighted), pulled towards its centroid."""
    area = 0.5 * np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    tri = tris[int(rng.choice(len(tris), p=area / area.sum()))]
    u, v = rng.uniform(size=2)
    if u + v > 1:
        u, v = 1 - u, 1 - v
    p = tri[0] + u * (tri[1] - tri[0]) + v * (tri[2] - tri[0])
    centroid = (tris.reshape(-1, 3) * np.repeat(area, 3)[:, None]).sum(0) / (3 * area.sum())
    return centroid + shrink * (p - centroid)


def _kss_level(kss: float) -> int:
    return int(np.clip(round(float(kss)), 1, 9))


def _renewal(rng: np.random.Generator, rate_per_min: float, duration_s: float, shape: float = 1.0) -> list[float]:
    """Event times of a gamma renewal process (shape 1: Poisson) with the given mean rate."""
    if rate_per_min <= 0:
        return []
    mean = 60.0 / rate_per_min
    times, t = [], rng.uniform(0.0, mean)   # a random phase: clips start mid-process
    while t < duration_s:
        times.append(float(t))
        t += float(rng.gamma(shape, mean / shape))
    return times


def plan(spec: Mapping[str, Any], values: Callable[[str], Any], cabin_zones: Mapping[str, np.ndarray],
         zone_of: Callable[[np.ndarray, np.ndarray], list[str]], eye_rest: np.ndarray, rest_head_deg: tuple[float, float, float], duration_s: float,
         seed: int, clip: int, script: Script | None = None) -> Behaviour:
    """A clip's behaviour. `spec` is the preset's behaviour section (per-glance
    distributions), `values` gives its per-clip draws, `cabin_zones` the glance
    targets by zone name (triangles, vehicle frame; 'phone': the screen of the
    phone held at PHONE_POSITION, phone_target(p): at position p), `eye_rest`
    the head origin with the head at rest (vehicle frame), `zone_of(origin, directions)`
    the zones of rays (N,3) from one origin. A `script` replaces
    the drawn glances by its own and adds its closures and hand poses."""
    kss = _kss_level(values("behaviour.kss"))
    drowsy = max(kss - 5, 0)
    rng = lambda name: stream(seed, clip, f"behaviour.{name}")

    saccades, head_moves, intervals = [], [], []
    g_rng, r_rng = rng("glances"), rng("road_fixations")

    def road_point() -> np.ndarray:
        """A far point on the road ahead; when the hood or the cluster hides that
        direction from this driver's eyes, the gaze rises until it sees the road."""
        yaw = np.clip(r_rng.normal(0.0, 4.0), -10.0, 10.0)
        pitch = ROAD_PITCH_DEG + np.clip(r_rng.normal(0.0, 1.5), -3.0, 3.0)
        # 0.5-degree steps up to the first beyond 20 degrees up, which is taken whatever it meets
        pitches = pitch - 0.5 * np.arange(int(np.floor((pitch + 20.0) / 0.5)) + 2)
        y, p = np.radians(yaw), np.radians(pitches)
        d = np.stack([np.cos(p) * np.cos(y), np.cos(p) * np.sin(y), -np.sin(p)], axis=1)
        seen = [z == "road_ahead" for z in zone_of(eye_rest, d)]
        return eye_rest + ROAD_DISTANCE_M * d[seen.index(True) if True in seen else len(d) - 1]

    def saccade(t0: float, start: np.ndarray, end: np.ndarray, rng_v: np.random.Generator) -> Saccade:
        amp = angle_between_deg(start - eye_rest, end - eye_rest)
        peak = float(kin.saccade_peak_velocity(amp)) * float(np.exp(np.clip(
            rng_v.normal(0.0, SACCADE_VELOCITY_SPREAD), -2 * SACCADE_VELOCITY_SPREAD, 2 * SACCADE_VELOCITY_SPREAD)))
        return Saccade(t0, kin.saccade_duration(amp, peak) if amp > 0 else 0.0, start, end, amp, peak)

    def head_for(target: np.ndarray, movement: str) -> tuple[float, float]:
        """Head yaw/pitch increment (deg) from rest for a glance at target."""
        ty, tp = angles_deg(target - eye_rest)
        dy, dp = ty - rest_head_deg[0], tp - rest_head_deg[1]
        amp = np.hypot(dy, dp)
        share = HEAD_SHARE[movement] if (movement != "lizard" or amp > HEAD_THRESHOLD_DEG) else 0.0
        hy, hp = share * dy, share * dp
        hy += np.sign(dy) * max(abs(dy - hy) - EYE_LIMIT_DEG, 0.0)
        hp += np.sign(dp) * max(abs(dp - hp) - EYE_LIMIT_DEG, 0.0)
        hy = float(np.clip(rest_head_deg[0] + hy, -HEAD_YAW_LIMIT_DEG, HEAD_YAW_LIMIT_DEG) - rest_head_deg[0])
        hp = float(np.clip(rest_head_deg[1] + hp, *HEAD_PITCH_LIMIT_DEG) - rest_head_deg[1])
        return hy, hp

    def head_onset(s: Saccade, head_amp: float, eye_amp_needed: float) -> float:
        """Eyes first; for shifts beyond the eye's range the head must be under way earlier."""
        d = kin.head_duration(head_amp)
        excess = eye_amp_needed - EYE_LIMIT_DEG
        if head_amp <= 0 or excess <= 0:
            return s.t0 + HEAD_LAG_S
        return min(s.t0 + HEAD_LAG_S, s.t0 + s.duration - d * kin.min_jerk_inverse(min(excess / head_amp, 1.0)))

    def scan(t: float, fix: np.ndarray, until: float) -> np.ndarray:
        """Road fixations from t until a glance at `until` (or the clip's end); the last fixated point."""
        while True:
            nxt = t + float(draw(ROAD_FIXATION_S, r_rng))
            if nxt + 0.1 >= until or nxt >= duration_s:
                return fix
            s = saccade(nxt, fix, road_point(), r_rng)
            saccades.append(s)
            fix, t = s.end, nxt + s.duration

    def glance(t: float, fix: np.ndarray, zone: str | None, movement: str, dwell: float, tris: np.ndarray,
               phone: str | None) -> tuple[np.ndarray, float]:
        """A glance from the road at a random point of `tris` starting at t: saccade, dwell,
        saccade back. zone None: the zone behind the target; phone: where the phone is
        (None: no phone). The fixated point and the time when the gaze is back."""
        p = zone_point(tris, g_rng)
        target = eye_rest + (p - eye_rest) * 1.02 if zone not in FAR_ZONES else \
            eye_rest + FAR_ZONES[zone] * (p - eye_rest) / np.linalg.norm(p - eye_rest)
        zone = zone_of(eye_rest, ((target - eye_rest) / np.linalg.norm(target - eye_rest))[None])[0] if zone is None else zone
        out = saccade(t, fix, target, g_rng)
        hy, hp = head_for(target, movement)
        lean = tuple(LEAN_M * (target - eye_rest) / np.linalg.norm(target - eye_rest)) if movement == "body_lean" else (0.0,) * 3
        head_amp = float(np.hypot(hy, hp))
        ty, tp = angles_deg(target - eye_rest)
        need = float(np.hypot(ty - rest_head_deg[0], tp - rest_head_deg[1]))
        if head_amp > 0 or movement == "body_lean":
            head_moves.append(HeadMove(head_onset(out, head_amp, need), kin.head_duration(head_amp), (hy, hp), lean))
        arrive = t + out.duration
        leave = arrive + dwell
        back = saccade(leave, target, road_point(), g_rng)
        if head_amp > 0 or movement == "body_lean":
            head_moves.append(HeadMove(head_onset(back, head_amp, need), kin.head_duration(head_amp), (-hy, -hp),
                                       tuple(-x for x in lean)))
        saccades.extend([out, back])
        intervals.append(Interval("glance", t, leave + back.duration,
                                  {"zone": zone, "movement": movement, "dwell_s": dwell, "phone": phone is not None}))
        if phone is not None:
            intervals.append(Interval("phone_use", arrive, leave, {"movement": movement, "position": phone}))
            if phone in HAND_HELD:
                intervals.append(Interval("phone_in_hand", t, leave + back.duration, {"position": phone}))
        return back.end, leave + back.duration

    fix = road_point()
    first = fix
    t = 0.0
    if script is None:
        while t < duration_s:
            glance_at = t + float(draw(spec["road_dwell_s"], g_rng))
            fix = scan(t, fix, glance_at)
            t = glance_at
            if t >= duration_s:
                break
            zone = str(draw(spec["glance_zones"], g_rng))
            movement = str(draw(spec["glance_movement"], g_rng))
            phone = zone == "phone"
            dwell = float(draw(spec["phone_dwell_s" if phone else "glance_dwell_s"], g_rng))
            fix, t = glance(t, fix, "lap" if phone else zone, movement, dwell, cabin_zones[zone],
                            PHONE_POSITION if phone else None)
    else:
        for g in sorted(script.glances, key=lambda g: g.start_s):
            if g.start_s < t:
                raise ValueError(f"scripted glance at {g.start_s} s starts before the previous one ends ({t:.3f} s)")
            fix = scan(t, fix, g.start_s)
            phone = g.target == "phone"
            fix, t = glance(g.start_s, fix, None if phone else g.target, g.movement, g.dwell_s,
                            cabin_zones[phone_target(g.phone_position) if phone else g.target],
                            g.phone_position if phone else None)
        scan(t, fix, duration_s)

    lid_moves = []
    b_rng = rng("blinks")
    blink_rate = float(values("behaviour.blink_rate_per_min")) * (1.0 + BLINK_RATE_GAIN_PER_KSS * drowsy)
    for t0 in _renewal(b_rng, blink_rate, duration_s, shape=2.0):
        median = BLINK_MEDIAN_S + BLINK_SLOWING_S_PER_KSS * drowsy
        d = float(np.clip(median * np.exp(b_rng.normal(0.0, BLINK_SIGMA)), *BLINK_RANGE_S))
        c, h, o = (share * d for share in BLINK_PHASES)
        lid_moves.append(LidMove(t0, c, h, o))
        intervals.append(Interval("blink", t0, t0 + d, {"closing_s": c, "closed_s": h, "opening_s": o}))

    def long_closure(kind: str, t0: float, hold: float, nod: float | None) -> None:
        lid_moves.append(LidMove(t0, CLOSE_S, hold, REOPEN_S))
        intervals.append(Interval(kind, t0, t0 + CLOSE_S + hold + REOPEN_S, {"closed_s": hold}))
        if nod is not None:
            head_moves.extend([HeadMove(t0 + CLOSE_S, hold, (0.0, nod)),
                               HeadMove(t0 + CLOSE_S + hold, NOD_RECOVERY_S, (0.0, -nod))])
            intervals.append(Interval("head_nod", t0 + CLOSE_S, t0 + CLOSE_S + hold + NOD_RECOVERY_S, {"pitch_deg": nod}))

    m_rng = rng("microsleeps")
    for t0 in _renewal(m_rng, MICROSLEEP_RATE_PER_MIN.get(kss, 0.0), duration_s):
        hold = float(np.clip(MICROSLEEP_MEDIAN_S[kss] * np.exp(m_rng.normal(0.0, 0.35)), 0.5, 3.0))
        long_closure("microsleep", t0, hold, float(m_rng.uniform(*NOD_DEG)))
    if script is not None:
        c_rng = rng("scripted_closures")
        for c in script.closures:
            nod = float(c_rng.uniform(*NOD_DEG))
            long_closure("long_closure", c.start_s, c.closed_s, nod if c.nod else None)
        intervals.extend(Interval("hand_pose", h.start_s, h.end_s, {"pose": h.pose}) for h in script.hands)

    mouth = []
    y_rng = rng("yawns")
    for t0 in _renewal(y_rng, YAWN_RATE_PER_MIN.get(kss, 0.0), duration_s):
        d = float(draw(YAWN_S, y_rng))
        peak = float(y_rng.uniform(0.8, 1.0))
        mouth.append(("yawn", t0, t0 + d, peak, 0.0, 0.0))
        intervals.append(Interval("yawn", t0, t0 + d, {"mouth_open_peak": peak}))

    t_rng = rng("talking")
    share = float(values("behaviour.talking_share"))
    if share > 0:
        mean_burst = float(np.exp(np.log(2.5) + 0.5 * 0.5 ** 2))
        t = float(t_rng.exponential(mean_burst * (1 - share) / share)) if share < 1 else 0.0
        while t < duration_s:
            d = float(draw(TALK_BURST_S, t_rng))
            mouth.append(("talking", t, t + d, float(t_rng.uniform(0.3, 0.5)), float(t_rng.uniform(3.5, 5.0)),
                          float(t_rng.uniform(0, 2 * np.pi))))
            intervals.append(Interval("talking", t, t + d))
            t += d + (float(t_rng.exponential(mean_burst * (1 - share) / share)) if share < 1 else 0.2)

    l_rng = rng("laughing")
    for t0 in _renewal(l_rng, float(values("behaviour.laugh_rate_per_min")), duration_s):
        d = float(draw(LAUGH_S, l_rng))
        mouth.append(("laughing", t0, t0 + d, float(l_rng.uniform(0.4, 0.6)), float(l_rng.uniform(4.5, 5.5)),
                      float(l_rng.uniform(0, 2 * np.pi))))
        intervals.append(Interval("laughing", t0, t0 + d))

    return Behaviour(duration_s=duration_s, kss=kss, rest_head_deg=tuple(float(x) for x in rest_head_deg),
                     first_target=first, saccades=tuple(sorted(saccades, key=lambda s: s.t0)),
                     head_moves=tuple(head_moves), lid_moves=tuple(lid_moves),
                     intervals=tuple(sorted(intervals, key=lambda i: (i.start_s, i.kind))),
                     droop=DROOP_PER_KSS * drowsy, mouth=tuple(mouth))
