"""The view_occlusion and illumination labels (labels/occluders.py) against
shadows and coverage worked out by hand, and against the rendered buffers."""

import copy

import numpy as np
import pytest
from scenes import GREY, camera_at_origin, make_view, quad

from cabin_synth import presets
from cabin_synth.labels.occluders import NEAR_M, illuminator_reach, view_occlusion
from cabin_synth.pipeline import FrameMaker
from cabin_synth.render.view import Illuminator


def shadow_scene():
    """A plate 0.6 m ahead of a camera at the origin (looking +x); an illuminator 6 cm
    below the lens; a 10 mm square 3 cm ahead of the illuminator. Its shadow on the
    plate is the square scaled by 0.6 / 0.03: 0.2 m wide, centred 6 cm below the axis."""
    cam = camera_at_origin(width=160, height=120, f_px=120.0)
    light = np.array([0.0, 0.0, -0.06])
    plate = quad(np.array([0.6, 0.0, 0.0]), [-1, 0, 0], 1.0)
    blocker = quad(light + [0.03, 0.0, 0.0], [-1, 0, 0], 0.010)
    view = make_view([(*plate, GREY, "skin"), (*blocker, GREY, "hands")], cam,
                     illuminators=[Illuminator(light, np.array([1.0, 0.0, 0.0]), 2.0, 1.0)])
    # points 1 mm in front of the plate, clear of the shadow's edge by at least 2 cm
    ys, zs = np.meshgrid(np.linspace(-0.25, 0.25, 11), np.linspace(-0.25, 0.2, 10))
    points = np.stack([np.full(ys.size, 0.599), ys.ravel(), zs.ravel()], axis=1)
    shaded = (np.abs(points[:, 1]) < 0.1) & (np.abs(points[:, 2] + 0.06) < 0.1)
    edge = (np.abs(np.abs(points[:, 1]) - 0.1) < 0.02) | (np.abs(np.abs(points[:, 2] + 0.06) - 0.1) < 0.02)
    return cam, view, points[~edge], shaded[~edge]


def test_illuminator_reach_is_the_shadow_cast_by_hand():
    cam, view, points, shaded = shadow_scene()
    (reach,) = illuminator_reach(cam, view, points, set())
    assert 0 < shaded.sum() < len(points)
    assert reach["face_lit_share"] == pytest.approx(1 - shaded.mean())
    assert reach["shaded_by"] == pytest.approx({"hands": shaded.mean()})
    assert reach["reaches_face"] == (1 - shaded.mean() >= 0.5)


def test_the_renderer_leaves_the_labelled_shadow_unlit(gl_renderer):
    cam, view, points, shaded = shadow_scene()
    buffers = gl_renderer.render(view)
    uv = np.rint(cam.project(cam.to_camera(points))).astype(int)
    seen = buffers.instance[uv[:, 1], uv[:, 0]] == 1     # the plate, not the blocker in front of it
    led = buffers.nir_illuminators[uv[:, 1], uv[:, 0]]
    lit_level = 0.5 / np.pi * 2.0 / 0.6 ** 2 * 0.9     # rho / pi * I / d^2, beam and incidence near axis
    assert (led[seen & shaded] == 0).all()
    assert (led[seen & ~shaded] > 0.5 * lit_level).all()


def test_near_image_share_is_the_area_a_close_part_covers():
    """A plate at 10 cm covering the camera's left half (camera-frame x < 0, vehicle +y):
    half of the pixel grid, an occluder that moves; a plate filling the view at 0.5 m
    is beyond NEAR_M and hides no landmark: no occluder."""
    cam = camera_at_origin(width=160, height=120, f_px=120.0)
    near = quad(np.array([0.1, 0.5, 0.0]), [-1, 0, 0], 1.0)      # spans y from 0 to 1 (the left)
    far = quad(np.array([0.5, 0.0, 0.0]), [-1, 0, 0], 3.0)
    view = make_view([(*near, GREY, "hands"), (*far, GREY, "cabin")], cam)
    labels = view_occlusion(cam, view, [None] * 68, np.zeros(68, bool), set())
    assert labels["near_image_share"] == pytest.approx(0.5)
    assert [(o["prim"], o["moves"], o["near_image_share"]) for o in labels["occluders"]] == [("/Test/Part0", True, 0.5)]
    assert labels["occluders"][0]["nearest_m"] == pytest.approx(0.1)
    assert not labels["blocked"] and labels["face_hidden_share"] == 0.0
    assert NEAR_M < 0.5


def test_a_blocked_frame_agrees_with_its_rendered_buffers(gl_renderer):
    """Default preset, seed 21, frame 1: a hand at 12 o'clock in front of the column camera."""
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["sensor"].update(width=160, height=120, pixel_pitch_um=data["sensor"]["pixel_pitch_um"] * 4)
    frame = FrameMaker(presets.Preset(name="default", path=base.path, data=data), 21, renderer=gl_renderer).make(1)
    labels = frame.labels["view_occlusion"]
    assert labels["blocked"]
    occluders = {o["prim"] for o in labels["occluders"]}
    prim = {inst.id: inst.prim for inst in frame.view.instances}
    hidden = [lm for lm in frame.labels["landmarks"][36:48] if lm["occluded_by"] not in (None, "out_of_frame", "self_occlusion")]
    assert len(hidden) > 6
    at = [prim.get(int(frame.buffers.instance[int(round(lm["uv"][1])), int(round(lm["uv"][0]))])) for lm in hidden]
    assert np.mean([p in occluders for p in at]) >= 0.8
    depth = frame.buffers.depth
    assert labels["near_image_share"] == pytest.approx(((depth > 0) & (depth < NEAR_M)).mean(), abs=0.08)
