"""The sun from clock, date, latitude and heading, against spherical astronomy by hand."""

import copy

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.dataset import schemas
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.presets.distributions import draw
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.presets.streams import stream
from cabin_synth.scene.solar import sun_in_vehicle, sun_position


def test_noon_elevation_from_latitude_and_declination():
    # At solar noon the sun stands 90 - |lat - decl| high, due south north of the tropics.
    for day, declination in ((80, 0.0), (172, 23.44), (355, -23.44)):   # equinox, solstices
        for lat in (0.0, 35.0, 52.0):
            elevation, azimuth = sun_position(12.0, day, lat)
            assert elevation == pytest.approx(90.0 - abs(lat - declination), abs=0.5)
            if lat > 30:
                assert azimuth == pytest.approx(180.0, abs=1e-6)


def test_equinox_sunrise_is_due_east_at_six():
    elevation, azimuth = sun_position(6.0, 80, 48.0)
    assert elevation == pytest.approx(0.0, abs=0.5) and azimuth == pytest.approx(90.0, abs=1.0)
    # afternoon mirrors morning about the meridian
    e_am, a_am = sun_position(9.0, 150, 40.0)
    e_pm, a_pm = sun_position(15.0, 150, 40.0)
    assert e_am == pytest.approx(e_pm) and a_am + a_pm == pytest.approx(360.0)


def test_vehicle_azimuth_follows_the_heading():
    # Noon sun due south: driving south it is ahead (0), driving east it is on the
    # right (-90), driving west on the left (+90), driving north behind (180).
    for heading, expected in ((180.0, 0.0), (90.0, -90.0), (270.0, 90.0)):
        assert sun_in_vehicle(12.0, 80, 45.0, heading)[1] == pytest.approx(expected, abs=1e-6)
    assert abs(sun_in_vehicle(12.0, 80, 45.0, 0.0)[1]) == pytest.approx(180.0, abs=1e-6)


def _with_lighting(lighting):
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["lighting"] = lighting
    return presets.Preset(base.name, base.path, data)


def test_a_preset_can_give_the_sun_by_clock_and_heading():
    lighting = {"sun_illuminance_lux": 50000.0, "sky_fraction": 0.3, "time_of_day_h": {"uniform": [8, 18]},
                "day_of_year": 172, "latitude_deg": 48.0, "heading_deg": {"uniform": [0, 360]}}
    preset = _with_lighting(lighting)
    assert schemas.errors("preset", dict(preset.data)) == []
    for i in range(5):
        frame = sample_frame(preset, 3, i)
        # redraw the clock fields by hand from their own streams and compare
        t = draw(lighting["time_of_day_h"], stream(3, i, "lighting.time_of_day_h"))
        h = draw(lighting["heading_deg"], stream(3, i, "lighting.heading_deg"))
        el, az = sun_in_vehicle(t, 172, 48.0, h)
        assert np.isclose(frame.lighting.sun_elevation_deg, el) and np.isclose(frame.lighting.sun_azimuth_deg, az)


def test_sun_given_both_ways_is_refused(tmp_path):
    import yaml

    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    data["lighting"].update(time_of_day_h=12, day_of_year=100, latitude_deg=45, heading_deg=0)
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError, match="lighting"):
        presets.load(str(path))
