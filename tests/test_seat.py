"""Seat fore-aft and height travel: the seat carries the driver, stops at the cabin's track."""

from dataclasses import replace

import numpy as np
import pytest
import yaml
from pxr import Usd, UsdGeom

from cabin_synth import presets
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.scene.cabin import cabin_asset_path, read_cabin
from cabin_synth.scene.rig import REFERENCE_STATURE_M, build_rig


def _upright(params, travel_mm, stature=REFERENCE_STATURE_M):
    return replace(params, identity=replace(params.identity, stature_m=stature), seat_travel_mm=travel_mm,
                   head_euler_deg=(0.0, 0.0, 0.0), head_offset_m=(0.0, 0.0, 0.0),
                   body=replace(params.body, lean_forward_deg=0.0, lean_side_deg=0.0))   # leaning moves the head


@pytest.mark.parametrize("cabin", ["hatchback", "van"])
def test_eyes_and_h_point_move_exactly_by_the_commanded_travel(default_preset, cabin):
    info = read_cabin(Usd.Stage.Open(str(cabin_asset_path(cabin))), name=cabin)
    base = replace(sample_frame(default_preset, 0, 3), cabin=cabin, drive="lhd")
    sensor = default_preset.section("sensor")
    home = build_rig(_upright(base, (0.0, 0.0)), info, sensor)
    # A 1.75 m driver sits at mid-track: the H-point is the cabin's, the eyes the design eye point.
    assert np.allclose(home.seat_h_point, info.driver_seat, atol=1e-12)
    assert np.allclose(home.t_vehicle_head, info.design_eye_point, atol=1e-12)
    for travel in ((60.0, 0.0), (-85.0, 12.5), (0.0, -20.0)):
        moved = build_rig(_upright(base, travel), info, sensor)
        expected = np.array([travel[0], 0.0, travel[1]]) * 1e-3
        assert np.allclose(moved.seat_h_point - home.seat_h_point, expected, atol=1e-12)
        assert np.allclose(moved.t_vehicle_head - home.t_vehicle_head, expected, atol=1e-12)
        assert np.allclose(moved.seat_travel_mm, travel, atol=1e-9)


def test_seat_stops_at_the_track_and_carries_the_eyes_only_that_far(default_preset):
    info = read_cabin(Usd.Stage.Open(str(cabin_asset_path("hatchback"))), name="hatchback")
    (rear, front), (low, high) = info.seat_track_mm
    assert front - rear == pytest.approx(240.0) and high - low == pytest.approx(55.0)
    base = replace(sample_frame(default_preset, 0, 3), cabin="hatchback", drive="lhd")
    sensor = default_preset.section("sensor")
    home = build_rig(_upright(base, (0.0, 0.0)), info, sensor)
    # 1.55 m: the stature rule alone moves the seat 70 mm forward and 46 mm up; 100 mm
    # more forward and 10 mm more up pass both track ends.
    short = build_rig(_upright(base, (100.0, 10.0), stature=1.55), info, sensor)
    assert np.allclose(short.seat_travel_mm, [front, high], atol=1e-9)
    assert np.allclose(short.seat_h_point - home.seat_h_point, np.array([front, 0.0, high]) * 1e-3, atol=1e-12)
    # The eyes ride with the seat, and sit 0.46 of the stature difference higher above it.
    eyes = short.t_vehicle_head - home.t_vehicle_head
    assert np.allclose(eyes, np.array([front, 0.0, high]) * 1e-3 + [0.0, 0.0, 0.46 * (1.55 - 1.75)], atol=1e-12)


def test_stage_seat_prim_and_labels_follow_the_commanded_travel(maker):
    # A 1.75 m driver in the default preset's hatchback: -70 mm and +15 mm fit its track.
    base = _upright(maker.make(0).params, (0.0, 0.0))
    seats, heads = [], []
    for travel in ((0.0, 0.0), (-70.0, 15.0)):
        params = replace(base, seat_travel_mm=travel)
        frame = maker.make(0, params=params)
        scene, _ = maker.scene(params)
        seat = UsdGeom.Xformable(scene.stage.GetPrimAtPath("/World/Cabin/DriverSeat"))
        seats.append(np.array(seat.ComputeLocalToWorldTransform(0).ExtractTranslation()))
        heads.append(np.array(frame.labels["head_pose"]["vehicle"]["t_m"]))
        assert np.allclose(frame.labels["seat"]["h_point_vehicle_m"], seats[-1], atol=1e-9)
        assert np.allclose(frame.labels["seat"]["travel_mm"], travel, atol=1e-6)
    expected = np.array([-0.070, 0.0, 0.015])
    assert np.allclose(seats[1] - seats[0], expected, atol=1e-9)
    assert np.allclose(heads[1] - heads[0], expected, atol=1e-9)


def _preset_with(tmp_path, cabin, fore_aft):
    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    data["cabin"]["name"] = cabin
    data["seat"] = {"fore_aft_mm": fore_aft, "height_mm": {"uniform": [-20, 20]}}
    path = tmp_path / "seat.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_preset_travel_beyond_a_cabins_track_is_refused_naming_field_and_cabin(tmp_path):
    with pytest.raises(UserError) as err:
        presets.load(str(_preset_with(tmp_path, {"choice": ["hatchback", "van"]}, {"uniform": [-110, 110]})))
    message = str(err.value)
    assert "seat.yaml" in message and "'seat.fore_aft_mm'" in message and "'van'" in message
    assert "'hatchback'" not in message   # 110 mm fits the hatchback's 240 mm track
    ok = presets.load(str(_preset_with(tmp_path, "hatchback", {"uniform": [-110, 110]})))
    drawn = [sample_frame(ok, 0, i).seat_travel_mm for i in range(20)]
    assert all(-110 <= f <= 110 and -20 <= h <= 20 for f, h in drawn) and len({f for f, _ in drawn}) == 20
