"""The cabin's screens: brightness from the ambient light, their pictures' glow, and the
light they throw on the driver in visible light only."""

import copy
import dataclasses

import numpy as np
import pytest
from PIL import Image

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.scene.cabin import cabin_asset_path
from cabin_synth.scene.screens import white_luminance

LUMA = np.array([0.2126, 0.7152, 0.0722])


def test_white_level_follows_the_ambient_light_in_log_log():
    assert white_luminance(0.0) == pytest.approx(40.0) and white_luminance(10.0) == pytest.approx(40.0)
    assert white_luminance(1e4) == pytest.approx(800.0) and white_luminance(1e5) == pytest.approx(800.0)
    # a third of the way from 10 to 10,000 lux in log: 40 * 20^(1/3)
    assert white_luminance(100.0) == pytest.approx(40.0 * 20.0 ** (1 / 3), rel=1e-9)
    assert white_luminance(1000.0) == pytest.approx(40.0 * 20.0 ** (2 / 3), rel=1e-9)


@pytest.fixture(scope="module")
def night():
    preset = presets.load("night_nir")
    data = copy.deepcopy(dict(preset.data))
    data["sensor"] = dict(data["sensor"], width=320, height=240, pixel_pitch_um=12.0)
    data["cabin"] = {"name": "hatchback", "drive": "lhd"}
    return FrameMaker(dataclasses.replace(preset, data=data), seed=3)


def _picture_mean(name: str) -> np.ndarray:
    """Mean linear RGB of a screen's picture, decoded here from its PNG (IEC 61966-2-1)."""
    with Image.open(cabin_asset_path("hatchback").parent / "textures" / f"{name}.png") as im:
        v = np.asarray(im, float) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).reshape(-1, 3).mean(axis=0)


def test_screens_light_the_driver_in_visible_light_only(night):
    frame = night.make(0)
    view = frame.view
    white = white_luminance(0.0 + 0.0)   # at night the sensor sees (almost) nothing: the floor level
    assert view.sun_lux == 0.0 and view.sky_lux < 10.0
    screens = {i.prim.rsplit("/", 2)[1]: i for i in view.instances if i.prim.endswith("/Screen")}
    assert set(screens) == {"Cluster", "Infotainment"}
    lamps = [lamp for lamp in view.lamps if lamp.nir_w_sr == 0.0]
    assert len(lamps) == 2
    for name, picture, size in (("Cluster", "cluster_screen", (0.27, 0.105)), ("Infotainment", "infotainment_screen", (0.26, 0.15))):
        inst = screens[name]
        # the picture glows at the white level: its texture scaled to it, its mean the glow
        assert inst.textures["emissiveColor"].scale[:3] == pytest.approx((white,) * 3)
        mean = _picture_mean(picture)
        assert np.allclose(inst.material.emission_rgb, white * mean, rtol=1e-3)
        # the light: a Lambertian panel of the screen's area at the picture's mean luminance
        centre = view.positions[view.instance_ids == inst.id].mean(axis=0)
        lamp = min(lamps, key=lambda lamp: np.linalg.norm(lamp.position - centre))
        assert np.linalg.norm(lamp.position - centre) < 0.01
        assert np.allclose(lamp.rgb_cd, white * mean * size[0] * size[1], rtol=1e-3)
        assert lamp.axis[0] < -0.9     # facing the driver
    # without them, NIR is unchanged and the lit face is darker in RGB
    skin = np.isin(frame.buffers.instance, [i.id for i in view.instances if i.semantic == "skin"])
    dark = night.renderer.render(dataclasses.replace(view, lamps=tuple(lamp for lamp in view.lamps if lamp.nir_w_sr > 0)))
    assert np.array_equal(dark.nir, frame.buffers.nir)
    lum, lum_dark = frame.buffers.rgb @ LUMA, dark.rgb @ LUMA
    assert skin.sum() > 500 and np.all(lum_dark[skin] <= lum[skin] + 1e-9) and np.median(lum[skin] - lum_dark[skin]) > 0
