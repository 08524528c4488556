"""Behaviour models against published human data and their own labels.

Everything here runs without rendering: the behaviour is continuous in time, so
kinematics are measured by sampling it densely (0.5 ms), and clip labels come
from clips.make_clip. Published figures and sources: docs/behaviour.md.
"""

import copy
from dataclasses import replace

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.behaviour.clips import cabin_info, head_poses, make_clip, sample_behaviour
from cabin_synth.driver import FaceState, build_driver

# Normative horizontal saccade peak velocities, mean and SD (deg/s) at 5, 15 and 30 deg
# (reflexive saccades, 100 healthy subjects aged 6-76, video-oculography; PMC6143243).
MAIN_SEQUENCE = {5.0: (213.0, 29.0), 15.0: (352.0, 50.0), 30.0: (455.0, 67.0)}


def band(amplitude_deg: float) -> tuple[float, float]:
    """Mean +- 2 SD of the published peak velocity, interpolated in log amplitude."""
    a = np.log(list(MAIN_SEQUENCE))
    mean = np.interp(np.log(amplitude_deg), a, [m for m, _ in MAIN_SEQUENCE.values()])
    sd = np.interp(np.log(amplitude_deg), a, [s for _, s in MAIN_SEQUENCE.values()])
    return mean - 2 * sd, mean + 2 * sd


def clip_preset(name="distraction_clips", duration=None, **behaviour):
    base = presets.load(name)
    data = copy.deepcopy(dict(base.data))
    if duration is not None:
        data["clip"] = dict(data["clip"], duration_s=duration)
    data["behaviour"] = dict(data["behaviour"], **behaviour)
    data.pop("design", None)
    return presets.Preset(base.name, base.path, data)


def planned(preset, seed, clip):
    base, behaviour, cabin, *_ = sample_behaviour(preset, seed, clip, np.zeros(1))
    return preset, base, behaviour, cabin


def dense_gaze(plan, t):
    """Gaze directions (N,3) and head euler (N,3) of a clip's behaviour at arbitrary times."""
    preset, base, behaviour, cabin = plan
    euler, offset = behaviour.head(t)
    _, origin = head_poses(base, cabin, euler, offset)
    direction, _ = behaviour.gaze(t, origin)
    return direction, euler


def angular_speed(direction, dt):
    cos = np.clip(np.einsum("ij,ij->i", direction[1:], direction[:-1]), -1, 1)
    return np.degrees(np.arccos(cos)) / dt


def test_saccade_peak_velocities_follow_the_published_main_sequence():
    preset = clip_preset(duration=40.0)
    plan = planned(preset, 5, 0)
    dt = 5e-4
    checked = 0
    for s in plan[2].saccades:
        if s.duration <= 0:
            continue
        t = np.arange(s.t0 - 0.002, s.t0 + s.duration + 0.002, dt)
        direction, _ = dense_gaze(plan, t)
        amplitude = float(np.degrees(np.arccos(np.clip(direction[0] @ direction[-1], -1, 1))))
        if not 5.0 <= amplitude <= 30.0:
            continue
        peak = angular_speed(direction, dt).max()
        lo, hi = band(amplitude)
        assert lo <= peak <= hi, (amplitude, peak, lo, hi)
        checked += 1
    assert checked >= 10


def test_eyes_lead_head_follows_and_vor_holds_gaze():
    preset = clip_preset(duration=60.0, glance_movement="owl",
                         glance_zones={"choice": ["left_mirror", "right_mirror", "infotainment"]})
    plan = planned(preset, 2, 0)
    glances = [s for s in plan[2].saccades if s.amplitude_deg > 20.0]
    assert glances
    for s in glances[:4]:
        dt = 1e-3
        t = np.arange(s.t0 - 0.05, s.t0 + s.duration + 0.4, dt)
        direction, euler = dense_gaze(plan, t)
        gaze_speed = angular_speed(direction, dt)
        head_speed = np.hypot(*np.diff(euler[:, :2], axis=0).T) / dt
        gaze_on = t[1:][gaze_speed > 20.0][0]
        head_on = t[1:][head_speed > 5.0][0]
        assert gaze_on <= head_on                      # the eyes move first
        after = t[1:] > s.t0 + s.duration + 0.01
        moving = after & (head_speed > 30.0)
        assert moving.any()                            # the head is still turning after the saccade ...
        assert gaze_speed[moving].max() < 10.0         # ... while gaze stays on the target (VOR)


def blink_runs(closure, rest, dt):
    """(duration s, closing s, opening s) of every excursion of closure above its resting level."""
    above = np.concatenate([[False], closure > rest + 0.02, [False]])
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    out = []
    for a, b in zip(edges[::2], edges[1::2]):
        peak = a + int(np.argmax(closure[a:b]))
        out.append(((b - a) * dt, (peak - a) * dt, (b - peak) * dt))
    return np.array(out)


@pytest.mark.parametrize("kss", [3, 9])
def test_blink_durations_rates_and_closing_faster_than_opening(kss):
    preset = clip_preset("drowsiness_clips", duration=300.0, kss=kss, talking_share=0.0, laugh_rate_per_min=0.0)
    _, behaviour, *_ = sample_behaviour(preset, 1, 0, np.zeros(1))
    dt = 1e-3
    t = np.arange(0.0, 300.0, dt)
    blinks_only = replace(behaviour, lid_moves=tuple(m for m in behaviour.lid_moves if m.hold_s < 0.3), mouth=())
    runs = blink_runs(blinks_only.closure(t), behaviour.droop, dt)
    rate = len(runs) / 5.0
    # Spontaneous blinking: about 17/min at rest, 26 in conversation, fewer on visual tasks
    # (Bentivoglio et al. 1997); drowsiness raises the rate (Stern et al. 1994).
    assert 8.0 <= rate <= 30.0
    durations = runs[:, 0]
    # Blink duration 100-400 ms (Stern et al. 1984; Caffier et al. 2003).
    assert 0.1 <= np.median(durations) <= 0.4
    assert np.mean((durations >= 0.075) & (durations <= 0.45)) >= 0.9
    assert np.all(runs[:, 1] < runs[:, 2])             # closing is faster than reopening (Evinger et al. 1991)
    if kss == 9:
        alert = clip_preset("drowsiness_clips", duration=300.0, kss=3)
        _, b3, *_ = sample_behaviour(alert, 1, 0, np.zeros(1))
        alert_runs = blink_runs(replace(b3, lid_moves=tuple(m for m in b3.lid_moves if m.hold_s < 0.3), mouth=())
                                .closure(t), b3.droop, dt)
        assert np.median(durations) > 1.3 * np.median(alert_runs[:, 0])   # drowsy blinks are longer (Caffier 2003)


def recompute_perclos(per_frame, fps, window_s):
    ap = np.array(per_frame["aperture_mm"]).mean(axis=1)
    open_ = np.array(per_frame["open_aperture_mm"]).mean(axis=1)
    closed = ap <= 0.2 * open_
    w = int(round(window_s * fps))
    series = [closed[max(0, k + 1 - w):k + 1].mean() for k in range(len(closed))]
    return closed, np.array(series)


def test_perclos_matches_apertures_and_rises_with_kss():
    by_kss = {}
    for kss in (1, 7, 9):
        preset = clip_preset("drowsiness_clips", duration=60.0, kss=kss)
        values = []
        for clip in range(2):
            labels = make_clip(preset, 4, clip).labels
            p = labels["perclos_p80"]
            assert p["window_s"] == 60.0
            closed, series = recompute_perclos(labels["per_frame"], labels["fps"], p["window_s"])
            np.testing.assert_allclose(p["per_frame"], series, atol=1e-12)
            assert p["clip"] == pytest.approx(closed.mean(), abs=1e-12)
            values.append(p["clip"])
        by_kss[kss] = np.mean(values)
    assert by_kss[1] < by_kss[7] < by_kss[9]
    assert by_kss[9] > 0.05 and by_kss[1] < 0.03


def test_perclos_window_is_the_clip_when_shorter():
    labels = make_clip(clip_preset("drowsiness_clips", duration=10.0, kss=9), 0, 0).labels
    assert labels["perclos_p80"]["window_s"] == 10.0
    _, series = recompute_perclos(labels["per_frame"], labels["fps"], 10.0)
    np.testing.assert_allclose(labels["perclos_p80"]["per_frame"], series, atol=1e-12)


def independent_runs(flags):
    out, start = [], None
    for k, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            out.append((start, k))
            start = None
    return out


def test_event_intervals_match_per_frame_labels_exactly():
    preset = clip_preset(duration=30.0)
    seen_zones = set()
    for clip in range(3):
        labels = make_clip(preset, 8, clip).labels
        fps, pf, ev = labels["fps"], labels["per_frame"], labels["events"]
        zones = pf["gaze_zone"]
        expect = []
        for a, b in independent_runs([z != "road_ahead" for z in zones]):
            names = zones[a:b]
            counts = {z: names.count(z) for z in names}
            best = max(counts.values())
            zone = next(z for z in names if counts[z] == best)
            expect.append((a, b, a / fps, b / fps, (b - a) / fps, zone))
        got = [(e["start_frame"], e["end_frame"], e["start_s"], e["end_s"], e["duration_s"], e["zone"])
               for e in ev["distraction"]]
        assert got == expect
        for kind, flags in (("phone_use", pf["phone_use"]), ("eye_closure", pf["eyes_closed_p80"])):
            assert [(e["start_frame"], e["end_frame"]) for e in ev[kind]] == independent_runs(flags)
        # every model glance that dwells long enough shows up as a distraction at its zone
        for g in ev["glance"]:
            if g["dwell_s"] >= 0.5 and g["end_s"] < labels["duration_s"]:
                inside = [e for e in ev["distraction"] if e["start_s"] <= g["start_s"] + g["duration_s"] / 2 <= e["end_s"]]
                assert inside and inside[0]["zone"] == g["zone"], (g, inside)
                seen_zones.add(g["zone"])
    assert len(seen_zones) >= 4


def test_adding_a_behaviour_process_leaves_the_others_unchanged():
    quiet = clip_preset(duration=30.0, laugh_rate_per_min=0.0, talking_share=0.0)
    lively = clip_preset(duration=30.0, laugh_rate_per_min=3.0, talking_share=0.5)
    a, b = make_clip(quiet, 3, 1).labels, make_clip(lively, 3, 1).labels
    for key in ("gaze_zone", "gaze_direction_vehicle", "head_euler_zyx_deg", "time_s"):
        assert a["per_frame"][key] == b["per_frame"][key]
    for kind in ("glance", "blink", "microsleep", "yawn", "distraction", "phone_use"):
        assert a["events"][kind] == b["events"][kind]
    assert b["events"]["laughing"] and b["events"]["talking"] and not a["events"]["laughing"]
    # laughing squints but never closes the eyes past P80: no false drowsiness alarm
    laughing = np.array(b["per_frame"]["laughing"])
    assert not np.any(np.array(b["per_frame"]["eyes_closed_p80"])[laughing] & ~np.array(a["per_frame"]["eyes_closed_p80"])[laughing])


def test_aperture_labels_match_the_driver_geometry():
    preset = clip_preset("drowsiness_clips", duration=20.0, kss=9)
    clip = make_clip(preset, 6, 0)
    pf = clip.labels["per_frame"]
    from cabin_synth.scene.rig import build_rig

    cabin = cabin_info(clip.base.cabin, clip.base.drive)
    for k in (0, 97, 311, 598):
        params = clip.params[k]
        rig = build_rig(params, cabin, preset.section("sensor"))
        geometry = build_driver(params.identity, FaceState(rig.gaze_target_head, np.full(2, params.eyelid_closure)))
        np.testing.assert_allclose(pf["aperture_mm"][k], geometry.aperture_mm, atol=0.15)
        # the clip's gaze label is the ray the rig builds
        d = rig.gaze_target_vehicle - rig.t_vehicle_head
        np.testing.assert_allclose(pf["gaze_direction_vehicle"][k], d / np.linalg.norm(d), atol=1e-9)


def test_clips_are_pure_functions_of_seed_and_index():
    preset = clip_preset(duration=5.0)
    assert make_clip(preset, 2, 3).labels == make_clip(preset, 2, 3).labels
    assert make_clip(preset, 2, 3).labels != make_clip(preset, 2, 4).labels
    assert make_clip(preset, 2, 3).params[0].index == 3 * 150
    fast = copy.deepcopy(dict(preset.data))
    fast["clip"] = dict(fast["clip"], fps=60)
    labels = make_clip(presets.Preset(preset.name, preset.path, fast), 2, 3).labels
    assert labels["frame_count"] == 300 and labels["first_frame"] == 900
    assert labels["per_frame"]["time_s"][:3] == [0.0, 1 / 60, 2 / 60]
