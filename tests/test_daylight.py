"""The daylight model (cabin_synth/scene/daylight.py, `lighting.cloud_cover`): its values
worked out by hand from the published formulas, its trends, and what the presets draw."""

import math

import numpy as np
import pytest
import yaml

from cabin_synth import presets
from cabin_synth.paths import PRESETS, PROJECT_ROOT
from cabin_synth.presets.distributions import draw
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.presets.streams import stream
from cabin_synth.scene import daylight
from cabin_synth.scene.lighting import daylight_horizontal_lux

NIGHT = 6e-4   # the moonless night sky the model adds, lux


def kasten_young(h_deg):
    return 1.0 / (math.sin(math.radians(h_deg)) + 0.50572 * (h_deg + 6.07995) ** -1.6364)


@pytest.mark.parametrize("h, cover, beam, diffuse", [
    # clear: IES E_dn = 127.5 klx exp(-0.21 m), E_dh = 0.8 + 15.5 sin(h)^0.5 klx
    (90.0, 0.0, 127_500 * math.exp(-0.21 * kasten_young(90.0)), 800 + 15_500),
    (30.0, 0.0, 127_500 * math.exp(-0.21 * kasten_young(30.0)), 800 + 15_500 * math.sqrt(0.5)),
    # partly cloudy: c = 0.80, E_dh = 0.3 + 45 sin(h) klx
    (30.0, 0.5, 127_500 * math.exp(-0.80 * kasten_young(30.0)), 300 + 45_000 * 0.5),
    # overcast: no sun, E_dh = 0.3 + 21 sin(h) klx
    (30.0, 1.0, 0.0, 300 + 21_000 * 0.5),
    # a quarter cover: halfway between clear and partly cloudy
    (30.0, 0.25, 127_500 * (math.exp(-0.21 * kasten_young(30.0)) + math.exp(-0.80 * kasten_young(30.0))) / 2,
     (800 + 15_500 * math.sqrt(0.5) + 300 + 45_000 * 0.5) / 2),
    # twilight: the sky's illuminance at the horizon (800 lux clear, 300 overcast), a decade per 2.4 deg
    (-6.0, 0.0, 0.0, 800 * 10 ** -2.5),
    (-6.0, 1.0, 0.0, 300 * 10 ** -2.5),
])
def test_values_worked_out_by_hand(h, cover, beam, diffuse):
    assert daylight.beam_normal_lux(h, cover) == pytest.approx(beam, rel=1e-9)
    assert daylight.diffuse_horizontal_lux(h, cover) == pytest.approx(diffuse + NIGHT, rel=1e-9)
    lux, fraction = daylight.open_air(h, cover)
    assert lux == pytest.approx(beam + diffuse + NIGHT, rel=1e-9)
    assert fraction == pytest.approx((diffuse + NIGHT) / (beam + diffuse + NIGHT), rel=1e-9)


def test_air_mass_is_the_flat_atmosphere_s_with_the_sun_high_and_finite_at_the_horizon():
    """1 / sin(h) holds for a high sun (1 overhead, 2 at 30 deg); at the horizon the
    curved atmosphere's air mass is about 38 (Kasten and Young's formula: 37.9)."""
    assert daylight.air_mass(90.0) == pytest.approx(1.0, abs=1e-3)
    assert daylight.air_mass(30.0) == pytest.approx(2.0, abs=0.01)
    assert 37.0 < daylight.air_mass(0.0) < 39.0


def test_clear_twilight_matches_the_ams_glossary():
    """AMS Glossary of Meteorology: a clear sky's horizontal illuminance is about 2-3.5 lux
    at -6 deg (end of civil twilight), 0.008 lux at -12 deg, 6e-4 lux at -18 deg."""
    at = lambda h: daylight.diffuse_horizontal_lux(h, 0.0)
    assert 2.0 <= at(-6.0) <= 3.5
    assert at(-12.0) == pytest.approx(0.008, rel=0.15)
    assert at(-18.0) == pytest.approx(6e-4, rel=0.15)


def horizontal(h, cover):
    beam = daylight.beam_normal_lux(h, cover)
    return beam * max(math.sin(math.radians(h)), 0.0) + daylight.diffuse_horizontal_lux(h, cover)


@pytest.mark.parametrize("cover", [0.0, 0.2, 0.5, 0.8, 1.0])
def test_brighter_as_the_sun_climbs(cover):
    h = np.linspace(-30, 90, 481)
    flat = np.array([horizontal(x, cover) for x in h])
    outside = np.array([daylight.open_air(x, cover)[0] for x in h])
    assert np.all(np.diff(flat) > 0)
    assert np.all(np.diff(outside) >= 0)


def test_cloudier_is_darker_and_more_diffuse():
    covers = np.linspace(0, 1, 21)
    for h in np.linspace(1, 90, 90):
        flat = [horizontal(h, c) for c in covers]
        share = [daylight.open_air(h, c)[1] for c in covers]
        assert np.all(np.diff(flat) < 0) and np.all(np.diff(share) > 0), h
        assert flat[-1] < 0.6 * flat[0]
    assert daylight.open_air(40.0, 1.0)[1] == pytest.approx(1.0)


def test_default_preset_has_no_dim_daylight_under_a_high_sun():
    """The issue: a third of the default frames had a few lux with the sun well up.
    With the model, no frame with the sun above 5 deg gets under 1,000 lux on a
    horizontal surface in the open air (a tunnel shelters the car, not the open air)."""
    preset = presets.load("default")
    lit = [sample_frame(preset, 5, i).lighting for i in range(300)]
    assert all(lt.cloud_cover is not None for lt in lit)
    high = [lt for lt in lit if lt.sun_elevation_deg > 5.0]
    assert len(high) > 150
    assert min(daylight_horizontal_lux(lt) for lt in high) > 1000.0
    # and its nights are dark: below -6 deg (civil twilight's end) the clear sky gives 2.5 lux at most
    night = [lt for lt in lit if lt.sun_elevation_deg < -6.0]
    assert len(night) > 20 and max(daylight_horizontal_lux(lt) for lt in night) < 2.6
    # the draws still span clear and overcast skies
    shares = [lt.sky_fraction for lt in lit]
    assert min(shares) < 0.2 and max(shares) > 0.95


def test_same_seed_same_params_and_frames_independent():
    preset = presets.load("default")
    first = [sample_frame(preset, 3, i).to_dict() for i in (0, 7, 41)]
    again = [sample_frame(preset, 3, i).to_dict() for i in (41, 7, 0)][::-1]
    assert first == again
    assert sample_frame(preset, 4, 7).lighting != sample_frame(preset, 3, 7).lighting


def preset_with(tmp_path, **lighting):
    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    data["lighting"].update(lighting)
    path = tmp_path / "daylight.yaml"
    path.write_text(yaml.safe_dump(data))
    return presets.load(str(path))


def test_labels_record_the_derived_daylight():
    params = sample_frame(presets.load("default"), 0, 2)
    lighting = params.to_dict()["lighting"]
    lux, fraction = daylight.open_air(params.lighting.sun_elevation_deg, lighting["cloud_cover"])
    assert lighting["sun_illuminance_lux"] == lux and lighting["sky_fraction"] == fraction


def test_a_given_illuminance_wins_and_the_model_gives_the_diffuse_share(tmp_path):
    """As a protocol's night condition sets lux and elevation on a model preset."""
    preset = preset_with(tmp_path, sun_illuminance_lux={"loguniform": [1, 10]},
                         sun_elevation_deg={"uniform": [-20, -5]})
    for i in range(5):
        lit = sample_frame(preset, 9, i).lighting
        assert lit.sun_illuminance_lux == draw({"loguniform": [1, 10]}, stream(9, i, "lighting.sun_illuminance_lux"))
        assert lit.sky_fraction == daylight.open_air(lit.sun_elevation_deg, lit.cloud_cover)[1] == 1.0


def test_presets_without_cloud_cover_draw_as_before():
    preset = presets.load(str(PROJECT_ROOT / "tests/fixtures/tiny.yaml"))
    for i in range(5):
        lit = sample_frame(preset, 2, i).lighting
        assert lit.cloud_cover is None
        assert lit.sun_illuminance_lux == draw({"loguniform": [1, 100000]}, stream(2, i, "lighting.sun_illuminance_lux"))
        assert lit.sky_fraction == draw({"uniform": [0.15, 0.6]}, stream(2, i, "lighting.sky_fraction"))


def test_both_values_given_leave_the_model_out(tmp_path):
    """A script that fixes the daylight on a model preset (bench/, tests/test_eye_optics.py)."""
    lit = sample_frame(preset_with(tmp_path, sun_illuminance_lux=2e4, sky_fraction=0.5), 1, 0).lighting
    assert (lit.sun_illuminance_lux, lit.sky_fraction, lit.cloud_cover) == (2e4, 0.5, None)
