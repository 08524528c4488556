"""Eye optics and skin tone on rendered driver frames: bright and dark pupil,
corneal glints against their geometric labels, and the skin-tone spread by band."""

import copy
import dataclasses

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker

LUMINANCE = np.array([0.2126, 0.7152, 0.0722])


def posed(default_preset, *, illuminators, wavelength=940, skin_type=3, night=True, size=(320, 240), focal_mm=3.6):
    """The default preset with one fixed, open-eyed driver facing the camera."""
    data = copy.deepcopy(dict(default_preset.data))
    sensor = data["sensor"]
    sensor["width"], sensor["height"] = size
    sensor["focal_length_mm"] = focal_mm
    sensor["nir"]["wavelength_nm"] = wavelength
    sensor["illuminators"] = [{"radiant_intensity_w_sr": 2.0, "half_angle_deg": 30, "offset_m": list(o)}
                              for o in illuminators]
    data["cabin"]["drive"] = "lhd"
    data["driver"].update(sex="male", age_years=35, skin_type=skin_type)
    data["head_pose"] = {k: 0.0 for k in data["head_pose"]}
    data["gaze"].update(yaw_deg=0.0, pitch_deg=0.0, distance_m=1.0)
    data["eyes"].update(closure=0.0, pupil_diameter_mm=6.0, retroreflectance=1.5)
    data["expression"] = {k: 0.0 for k in data["expression"]}
    data["camera"].update(position_jitter_m=0.0, aim_jitter_deg=0.0)
    data["lighting"].update(sun_illuminance_lux=0.0 if night else 20000.0, sun_elevation_deg=40.0,
                            sun_azimuth_deg=150.0, sky_fraction=0.5)
    return presets.Preset(default_preset.name, default_preset.path, data)


def render(preset, renderer):
    return FrameMaker(preset, seed=5, renderer=renderer).make(0)


def part_mask(frame, name: str) -> np.ndarray:
    ids = [i.id for i in frame.view.instances if i.prim.endswith(name)]
    return np.isin(frame.buffers.instance, ids)


@pytest.mark.parametrize("offset, brighter", [((0.0, 0.008, 0.0), True), ((0.06, 0.0, 0.0), False)])
def test_bright_pupil_on_axis_dark_pupil_off_axis(gl_renderer, default_preset, offset, brighter):
    frame = render(posed(default_preset, illuminators=[offset]), gl_renderer)
    nir = frame.buffers.nir
    for eye in ("EyeR", "EyeL"):
        pupil, iris = np.median(nir[part_mask(frame, f"{eye}/Pupil")]), np.median(nir[part_mask(frame, f"{eye}/Iris")])
        assert (pupil > 1.5 * iris) if brighter else (pupil < 0.5 * iris), (eye, pupil, iris)


def test_glint_labels_on_rendered_glint_peaks(gl_renderer, default_preset):
    # Two off-axis illuminators (dark pupil, clear of the steering wheel) 16 cm
    # apart, seen through a 16 mm lens so their glints fall about 3 px apart.
    # The glints alone are the difference between the frame and the same view
    # rendered with a matte cornea.
    frame = render(posed(default_preset, illuminators=[(0.08, 0.0, 0.0), (-0.08, 0.0, 0.0)], size=(640, 480),
                         focal_mm=16.0), gl_renderer)
    matte = tuple(dataclasses.replace(i, material=dataclasses.replace(i.material, ior=0.0))
                  for i in frame.view.instances)
    glints = frame.buffers.nir - gl_renderer.render(dataclasses.replace(frame.view, instances=matte)).nir
    checked = 0
    for g in frame.labels["glints"]:
        if not g["visible"]:
            continue
        u, v = np.rint(g["uv"]).astype(int)
        window = glints[v - 4:v + 5, u - 4:u + 5]
        dv, du = np.unravel_index(np.argmax(window), window.shape)
        peak = np.array([u - 4 + du, v - 4 + dv])
        assert window.max() > 0.1, g
        assert np.linalg.norm(peak - np.array(g["uv"])) <= 1.0, (g, peak)
        checked += 1
    assert checked == 4
    uv = {(g["eye"], g["illuminator"]): np.array(g["uv"]) for g in frame.labels["glints"]}
    assert np.linalg.norm(uv["right", 0] - uv["right", 1]) > 2.5   # the two peaks are told apart


def test_skin_spread_smallest_at_940nm(gl_renderer, default_preset):
    # Coefficient of variation of the mean skin radiance over Fitzpatrick I..VI,
    # same driver shape, pose and light; RGB luminance under daylight.
    def skin_means(wavelength):
        nir, lum = [], []
        for skin in range(1, 7):
            frame = render(posed(default_preset, illuminators=[(0.0, 0.012, 0.0)], wavelength=wavelength,
                                 skin_type=skin, night=False, size=(160, 120)), gl_renderer)
            mask = part_mask(frame, "Driver/Head")
            nir.append(frame.buffers.nir[mask].mean())
            lum.append((frame.buffers.rgb[mask] @ LUMINANCE).mean())
        return np.array(nir), np.array(lum)
    cv = lambda x: x.std() / x.mean()
    nir940, lum = skin_means(940)
    nir850, _ = skin_means(850)
    assert cv(nir940) < cv(nir850) < cv(lum)
