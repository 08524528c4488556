"""Accessory assets (usd_assets/accessories), their composition into scenes, and
their effect on landmark labels."""

import copy
import pathlib

import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdSemantics, UsdShade, UsdValidation

from cabin_synth import presets
from cabin_synth.assets import accessories as accessory_assets
from cabin_synth.driver import FaceState, build_driver, sample_identity
from cabin_synth.errors import UserError
from cabin_synth.labels.semantics import CLASSES
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.preset import Preset
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.presets.streams import stream
from cabin_synth.scene.accessories import PHONE_POSITIONS, fit_transform
from cabin_synth.scene.cabin import DRIVES, available_cabins
from cabin_synth.scene.stage import Scene

REPO = pathlib.Path(__file__).resolve().parent.parent
ASSETS = sorted((REPO / "usd_assets" / "accessories").glob("*.usda"))
NO_ACCESSORIES = dict(eyewear="none", sunglasses_lens="nir_transmissive", headwear="none", face="none",
                      neck="none", phone="none")


def validation_errors(stage: Usd.Stage) -> list:
    ctx = UsdValidation.ValidationContext(UsdValidation.ValidationRegistry().GetOrLoadAllValidators())
    return [(e.GetName(), e.GetMessage()) for e in ctx.Validate(stage)
            if e.GetType() == UsdValidation.ValidationErrorType.Error]


def test_every_spec_is_shipped_and_regenerates_byte_identical(tmp_path):
    assert {p.stem for p in ASSETS} == set(accessory_assets.SPECS)
    for path in accessory_assets.write_assets(tmp_path):
        assert (REPO / "usd_assets" / "accessories" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("path", ASSETS, ids=lambda p: p.stem)
def test_asset_opens_validates_and_is_labelled(path):
    stage = Usd.Stage.Open(str(path))
    assert stage.GetCompositionErrors() == []
    assert validation_errors(stage) == []
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    root = stage.GetDefaultPrim()
    assert Usd.ModelAPI(root).GetKind() == "component" and Usd.ModelAPI(root).GetAssetName() == path.stem
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert meshes
    for prim in meshes:
        labels = UsdSemantics.LabelsAPI(prim, "class").GetLabelsAttr().Get()
        assert len(labels) == 1 and labels[0] in CLASSES, prim.GetPath()
        material, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        assert material, prim.GetPath()
        mprim = material.GetPrim()
        for w in (850, 940):
            assert 0 <= mprim.GetAttribute(f"cabin_synth:nir_reflectance_{w}").Get() <= 1
        if labels[0] == "lens":
            opacity = material.ComputeSurfaceSource()[0].GetInput("opacity").Get()
            tv = mprim.GetAttribute("cabin_synth:visible_transmittance").Get()
            assert 0 < opacity < 1 and opacity == pytest.approx(1 - tv, abs=1e-6)
            for w in (850, 940):
                assert 0 <= mprim.GetAttribute(f"cabin_synth:nir_transmittance_{w}").Get() <= 1


@pytest.mark.parametrize("name", ["sunglasses_aviator", "sunglasses_wayfarer"])
def test_sunglasses_lens_variants_cover_the_euro_ncap_nir_classes(name):
    stage = Usd.Stage.Open(str(REPO / "usd_assets" / "accessories" / f"{name}.usda"))
    vset = stage.GetDefaultPrim().GetVariantSets().GetVariantSet("lens")
    assert sorted(vset.GetVariantNames()) == ["nir_blocking", "nir_transmissive"]
    for variant, inside in (("nir_transmissive", lambda t: t > 0.70), ("nir_blocking", lambda t: t < 0.15)):
        with Usd.EditContext(stage, stage.GetSessionLayer()):
            vset.SetVariantSelection(variant)
        lens = stage.GetDefaultPrim().GetChild("Geom").GetChild("LensLeft")
        mat = UsdShade.MaterialBindingAPI(lens).ComputeBoundMaterial()[0].GetPrim()
        for w in (850, 940):
            assert inside(mat.GetAttribute(f"cabin_synth:nir_transmittance_{w}").Get()), (variant, w)
        # a sunglass tint: visible transmittance of a category 2-3 filter (8-43 %)
        assert 0.08 <= mat.GetAttribute("cabin_synth:visible_transmittance").Get() <= 0.43


@pytest.mark.parametrize("cabin", available_cabins())
@pytest.mark.parametrize("drive", DRIVES)
def test_composed_scene_opens_and_validates(cabin, drive, tmp_path):
    rest = build_driver(sample_identity(stream(0, 0, "t"), sex="female", age_years=30.0, skin_type=2),
                        FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
    stage = Scene(cabin, drive, rest, tmp_path).stage
    assert stage.GetCompositionErrors() == []
    assert validation_errors(stage) == []
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetDefaultPrim().GetPath() == "/World"
    # the model hierarchy reaches every accessory: they are models (component) of the scene
    for prim in stage.Traverse():
        if Usd.ModelAPI(prim).GetKind() == "component":
            assert prim.IsModel(), prim.GetPath()
    assert stage.GetPrimAtPath("/World/Driver/Accessories/Cap").IsModel()
    # the scene's sunglasses carry the lens of their variant
    for variant, inside in (("NirBlocking", lambda t: t < 0.15), ("NirTransmissive", lambda t: t > 0.70)):
        lens = stage.GetPrimAtPath(f"/World/Driver/Accessories/SunglassesAviator{variant}/Geom/LensLeft")
        mat = UsdShade.MaterialBindingAPI(lens).ComputeBoundMaterial()[0].GetPrim()
        assert inside(mat.GetAttribute("cabin_synth:nir_transmittance_940").Get()), variant
    # every Euro NCAP phone position is an anchor prim with the phone referenced under it
    for position in PHONE_POSITIONS:
        name = "".join(w.capitalize() for w in position.split("_"))
        assert stage.GetPrimAtPath(f"/World/Cabin/PhoneAnchors/{name}/Phone/Geom/Body").IsA(UsdGeom.Mesh)


def test_fit_follows_the_driver():
    """The fitted nose-bridge point of the glasses lands on each driver's landmark 27,
    a wider face gets a wider frame, and a cap's crown clears every driver's scalp."""
    widths = []
    cap = Usd.Stage.Open(str(REPO / "usd_assets" / "accessories" / "cap.usda"))
    crown = np.asarray(UsdGeom.Mesh(cap.GetPrimAtPath("/Cap/Geom/Crown")).GetPointsAttr().Get(), float)
    for k in range(6):
        ident = sample_identity(stream(5, k, "t"), sex=("female", "male")[k % 2], age_years=40.0, skin_type=3)
        geometry = build_driver(ident, FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
        lm = geometry.landmarks
        S, t = fit_transform("eyewear", geometry)
        assert np.allclose(S @ accessory_assets.NOSE_BRIDGE + t, lm[27], atol=2e-4)
        widths.append((np.linalg.norm(lm[16] - lm[0]), S[1, 1]))
        # the scalp's highest point lies below the fitted crown right above it
        S, t = fit_transform("headwear", geometry)
        fitted = crown @ S.T + t
        head = geometry.part("Head").points
        top = head[np.argmax(head[:, 2])]
        above = fitted[np.hypot(fitted[:, 0] - top[0], fitted[:, 1] - top[1]) < 0.015]
        assert above[:, 2].min() > top[2], k
    widths.sort()
    assert all(a[1] < b[1] for a, b in zip(widths, widths[1:]))


def preset_with(**changes) -> Preset:
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["sensor"] = dict(data["sensor"], width=320, height=240, focal_length_mm=1.8)
    # both hands on the wheel: a phone_in_hand pose would put a phone in the hand
    data["body"] = dict(data.get("body") or {}, hand_pose="ten_two")
    for section, values in changes.items():
        data[section] = dict(data[section], **values)
    return Preset("test", base.path, data)


@pytest.fixture(scope="module")
def occluded_frames():
    frontal = dict(yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0)
    out = {}
    for key, acc in (("masked", dict(eyewear="glasses_rectangular", face="mask_surgical", phone="wheel_centre")),
                     ("bare", {})):
        maker = FrameMaker(preset_with(accessories=dict(NO_ACCESSORIES, **acc), head_pose=frontal,
                                       eyes=dict(closure=0.0)), seed=4)
        out[key] = maker.make(0)
    return out


def test_accessories_occlude_landmarks_in_labels_and_pixels(occluded_frames):
    frame = occluded_frames["masked"]
    lm = frame.labels["landmarks"]
    seg = frame.images["seg"]
    names = [a["name"] for a in frame.labels["accessories"]]
    assert names == ["glasses_rectangular", "mask_surgical", "phone"]

    def pixel_class(k):
        u, v = np.rint(lm[k]["uv"]).astype(int)
        return CLASSES[seg[v, u]]

    # the mouth is behind the mask, in the labels and in the rendered segmentation
    mouth = range(48, 68)
    assert all(lm[k]["occluded_by"] == "mask" for k in mouth)
    assert sum(pixel_class(k) == "mask" for k in mouth) >= 18
    # the bridge of the glasses sits in front of the nose bridge
    assert lm[27]["occluded_by"] == "glasses_frame" and pixel_class(27) == "glasses_frame"
    # clear lenses hide nothing: the pupils stay visible and are seen as pupils
    for k in (68, 69):
        assert lm[k]["visible"] and pixel_class(k) == "pupil"
    # a landmark the labels hide is hidden in the depth image too: something nearer than it
    depth = frame.images["depth"].astype(float) / 1000.0
    for k in mouth:
        u, v = np.rint(lm[k]["uv"]).astype(int)
        assert depth[v, u] < lm[k]["camera_m"][2] - 0.003


def test_same_driver_without_accessories_is_unoccluded(occluded_frames):
    lm = occluded_frames["bare"].labels["landmarks"]
    assert occluded_frames["bare"].labels["accessories"] == []
    assert not any(l["occluded_by"] in ("mask", "glasses_frame") for l in lm)
    assert all(l["visible"] for l in lm[48:68])
    assert not any(i["prim"].startswith("/World/Driver/Accessories") or "PhoneAnchors" in i["prim"]
                   for i in occluded_frames["bare"].labels["instances"])


def test_phone_is_shown_only_where_sampled(occluded_frames):
    prims = {i["prim"] for i in occluded_frames["masked"].labels["instances"]}
    phones = {p for p in prims if "/PhoneAnchors/" in p}
    assert phones and all(p.startswith("/World/Cabin/PhoneAnchors/WheelCentre/Phone/") for p in phones)


def test_phone_box_holds_every_rendered_phone_pixel():
    seen = 0
    for position in ("dashboard", "charging_dock", "windscreen_view"):
        frame = FrameMaker(preset_with(accessories=dict(NO_ACCESSORIES, phone=position)), seed=2).make(0)
        boxes = [b["bbox_xyxy"] for b in frame.labels["object_boxes"] if b["class"] == "phone"]
        phone_ids = [i["id"] for i in frame.labels["instances"] if i["class"] == "phone"]
        vs, us = np.nonzero(np.isin(frame.images["ids"], phone_ids))
        if len(us) == 0:
            continue  # hidden from this camera (the box may still exist: it is x-ray)
        seen += 1
        u0, v0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        u1, v1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        assert u0 - 0.5 <= us.min() and us.max() <= u1 + 0.5 and v0 - 0.5 <= vs.min() and vs.max() <= v1 + 0.5, position
    assert seen >= 1


def test_unknown_accessory_is_a_user_error(tmp_path):
    import yaml

    data = copy.deepcopy(dict(presets.load("default").data))
    data["accessories"]["eyewear"] = "monocle"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError, match="accessories.eyewear"):
        presets.load(str(path))


def test_sampler_draws_accessories_from_their_own_streams():
    a = preset_with()
    b = preset_with(accessories=dict(NO_ACCESSORIES, eyewear="glasses_round"))
    fa, fb = sample_frame(a, 9, 3), sample_frame(b, 9, 3)
    assert fb.accessories.eyewear == "glasses_round"
    # changing the accessories leaves every other draw unchanged
    assert fa.identity == fb.identity and fa.head_euler_deg == fb.head_euler_deg and fa.lighting == fb.lighting


@pytest.mark.parametrize("cabin", available_cabins())
@pytest.mark.parametrize("drive", DRIVES)
def test_phone_positions_are_where_euro_ncap_puts_them(cabin, drive, tmp_path):
    """Checked against the cabin geometry, not against the formulas that place them."""
    from cabin_synth.assets.accessories import PHONE_SIZE
    from cabin_synth.labels.raycast import nearest_hit
    from cabin_synth.scene.accessories import cabin_surfaces
    from cabin_synth.scene.zones import gaze_zone, zone_soup

    rest = build_driver(sample_identity(stream(0, 0, "t"), sex="male", age_years=30.0, skin_type=4),
                        FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
    scene = Scene(cabin, drive, rest, tmp_path)
    info, stage = scene.cabin, scene.stage
    surfaces = cabin_surfaces(stage, "/World/Cabin")
    eye = info.design_eye_point
    side = np.sign(eye[1])
    pose = {}
    for position in PHONE_POSITIONS:
        name = "".join(w.capitalize() for w in position.split("_"))
        M = np.asarray(UsdGeom.Xformable(stage.GetPrimAtPath(f"/World/Cabin/PhoneAnchors/{name}"))
                       .ComputeLocalToWorldTransform(Usd.TimeCode.Default()))
        R, t = M[:3, :3].T, M[3, :3]
        assert np.allclose(R.T @ R, np.eye(3), atol=1e-9)
        pose[position] = (R, t)
        # nothing of the cabin inside the phone body: rays along its long axis from the centre
        # reach the first surface beyond the body's half length
        for d in (R[:, 1], -R[:, 1]):
            hit, _ = nearest_hit(t, d, surfaces)
            assert hit > PHONE_SIZE[1] / 2, (position, hit)
    # dashboard and dock: lying screen-up, its back on a cabin surface
    for position in ("dashboard", "charging_dock"):
        R, t = pose[position]
        assert R[:, 2] @ [0, 0, 1] > 0.9
        hit, i = nearest_hit(t, -R[:, 2], surfaces)
        a, b, c = surfaces[i]
        normal = np.cross(b - a, c - a)
        assert abs(normal @ R[:, 2]) / np.linalg.norm(normal) > 0.999, position  # flat on it
        assert PHONE_SIZE[2] / 2 <= hit < PHONE_SIZE[2] / 2 + 0.003, position
        assert t[0] > info.wheel_centre[0]  # ahead of the steering wheel
    # held on the rim at 10 o'clock: on the driver's left of the hub, above it, about a rim radius away
    R, t = pose["wheel_rim"]
    off = t - info.wheel_centre
    radial = off - info.wheel_axis * (off @ info.wheel_axis)
    assert 0.15 < np.linalg.norm(radial) < 0.21 and radial[2] > 0 and radial[1] > 0
    angle = np.degrees(np.arctan2(radial[1], radial[2]))  # from 12 o'clock towards the driver's left
    assert 50 < angle < 70  # 10 o'clock = 60 degrees
    # wheel centre: on the hub's axis, on the driver's side, screen to the driver
    R, t = pose["wheel_centre"]
    off = t - info.wheel_centre
    assert np.linalg.norm(off - info.wheel_axis * (off @ info.wheel_axis)) < 1e-6 and off @ info.wheel_axis > 0.05
    assert R[:, 2] @ info.wheel_axis > 0.99
    # raised into the windscreen view: the eye sees the road through the windscreen behind it
    R, t = pose["windscreen_view"]
    zone, _ = gaze_zone(zone_soup(info), eye, (t - eye) / np.linalg.norm(t - eye))
    assert zone == "road_ahead"
    assert R[:, 2] @ (eye - t) > 0  # screen towards the driver
    # knee and lap: below the seated eye by a thigh, on the driver's side of the vehicle centre
    for position in ("knee", "lap"):
        R, t = pose[position]
        assert eye[2] - t[2] > 0.35 and side * t[1] > 0.15
    assert pose["knee"][1][0] > pose["lap"][1][0]  # the knee is ahead of the lap


def test_sunglasses_scale_the_eye_signal_by_their_nir_transmittance_squared():
    # Under the illuminators alone (no daylight), light reaches the eye through the
    # lens and comes back through it: the eye's radiance scales with T^2 at 940 nm.
    night = dict(sun_illuminance_lux=0.0)
    frontal = dict(yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0)
    signal, transmittance = {}, {}
    for lens in ("nir_transmissive", "nir_blocking"):
        preset = preset_with(accessories=dict(NO_ACCESSORIES, eyewear="sunglasses_aviator", sunglasses_lens=lens),
                             lighting=night, head_pose=frontal, eyes=dict(closure=0.0))
        frame = FrameMaker(preset, seed=6).make(0)
        eye_ids = [i["id"] for i in frame.labels["instances"]
                   if i["class"] in ("sclera", "iris", "pupil") and "/Eye" in i["prim"]]
        eye = np.isin(frame.buffers.instance, eye_ids)
        assert eye.sum() > 50
        signal[lens] = frame.buffers.nir[eye].mean()
        (worn,) = [a for a in frame.labels["accessories"] if a["slot"] == "eyewear"]
        transmittance[lens] = worn["lens"]["nir_transmittance_940"]
    expected = (transmittance["nir_transmissive"] / transmittance["nir_blocking"]) ** 2
    assert signal["nir_transmissive"] / signal["nir_blocking"] == pytest.approx(expected, rel=0.10)
