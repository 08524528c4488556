"""Presets are data: bad ones fail early with the file and the field named, and write nothing."""

import copy

import numpy as np
import pytest
import yaml

from cabin_synth import presets
from cabin_synth.cli import main
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.presets.distributions import draw
from cabin_synth.presets.sampler import sample_frame


def write_preset(tmp_path, mutate):
    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["head_pose"].update(yaw_dg=3), "head_pose.yaw_dg"),
    (lambda d: d["sensor"].update(width="640"), "sensor.width"),
    (lambda d: d["eyes"].update(pupil_diameter_mm={"uniform": [1, 9]}), "eyes.pupil_diameter_mm"),
    (lambda d: d["eyes"].update(retroreflectance={"uniform": [0.5, 9]}), "eyes.retroreflectance"),
    (lambda d: d["sensor"]["illuminators"][0].pop("offset_m"), "sensor.illuminators"),
    (lambda d: d["sensor"]["rgb"].update(channel_sensitivity=[0.5, 1.0]), "sensor.rgb.channel_sensitivity"),
    (lambda d: d["sensor"]["rgb"].update(white_balance="tungsten"), "sensor.rgb.white_balance"),
    (lambda d: d["driver"].update(skin_type={"choice": [1, 7]}), "driver.skin_type"),
    (lambda d: d.update(extra_section={}), "extra_section"),
    (lambda d: d["gaze"].update(yaw_deg={"gaussian": {"mean": 0, "std": 1}}), "gaze.yaw_deg"),
    (lambda d: d["expression"].update(yawn={"uniform": [0, 2]}), "expression.yawn"),
    (lambda d: d["lighting"].update(dome_light="led"), "dome_light_flux_lm"),
    (lambda d: d["lighting"].update(dome_light="halogen", dome_light_flux_lm=50, dome_light_cct_k=3000),
     "lighting.dome_light"),
    (lambda d: d["lighting"].update(cloud_cover={"uniform": [0, 1.5]}), "lighting.cloud_cover"),
    (lambda d: d["lighting"].pop("cloud_cover"), "lighting.sun_illuminance_lux"),
    (lambda d: d.update(seat={"height_mm": {"uniform": [-40, 0]}}), "seat.height_mm"),
    (lambda d: d.update(render={"renderer": "vulkan"}), "render.renderer"),
    (lambda d: d.update(render={"renderer": "cycles", "samples": {"uniform": [8, 64]}}), "render.samples"),
    (lambda d: d.update(subjects=0), "subjects"),
    (lambda d: d.update(subjects=2.5), "subjects"),
    # with subjects, a person field that a frame would change (tests/test_subjects.py)
    (lambda d: d.update(subjects=4, design={"kind": "full_factorial", "factors": ["driver.skin_type"]}),
     "driver.skin_type"),
    (lambda d: d.update(subjects=4, conditional={"driver.age_years": {
        "given": "environment.setting", "cases": [{"equals": "tunnel", "value": 30}, {"value": 50}]}}),
     "conditional.driver.age_years"),
    (lambda d: d.update(subjects=4, body={"build": {"uniform": [-1, 1]}, "lean_forward_deg": {"uniform": [0, 10]}},
                        correlated=[{"fields": ["body.build", "body.lean_forward_deg"], "correlation": 0.5}]),
     "correlated[0]"),
])
def test_bad_preset_names_file_and_field_and_writes_nothing(tmp_path, capsys, mutate, field):
    path = write_preset(tmp_path, mutate)
    with pytest.raises(UserError) as err:
        presets.load(str(path))
    assert "bad.yaml" in str(err.value) and field in str(err.value)
    out = tmp_path / "out"
    assert main(["generate", "--preset", str(path), "--frames", "2", "--out", str(out), "--quiet"]) == 2
    message = capsys.readouterr().err
    assert field in message and "bad.yaml" in message and "Traceback" not in message
    assert not out.exists()


def test_yaml_is_never_evaluated(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(UserError, match="not valid YAML"):
        presets.load(str(path))


def test_unknown_preset_name_lists_shipped_ones():
    with pytest.raises(UserError, match="default"):
        presets.load("no_such_preset")


def test_every_shipped_preset_loads():
    for path in presets.available():
        assert presets.load(str(path)).name == path.stem


def test_truncnormal_stays_in_bounds_and_matches_moments():
    spec = {"truncnormal": {"mean": 0.0, "std": 10.0, "min": -5.0, "max": 20.0}}
    rng = np.random.default_rng(0)
    x = np.array([draw(spec, rng) for _ in range(4000)])
    assert x.min() >= -5.0 and x.max() <= 20.0
    from scipy.stats import truncnorm
    assert abs(x.mean() - truncnorm.mean(-0.5, 2.0, loc=0, scale=10)) < 0.3


def test_choice_weights():
    rng = np.random.default_rng(1)
    picks = [draw({"choice": {"values": ["a", "b"], "weights": [3, 1]}}, rng) for _ in range(4000)]
    assert abs(picks.count("a") / 4000 - 0.75) < 0.03


def test_adding_a_field_leaves_other_draws_unchanged():
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["gaze"] = dict(data["gaze"], yaw_deg={"uniform": [-5, 5]})  # change one randomizer only
    changed = presets.Preset(base.name, base.path, data)
    for i in range(20):
        a, b = sample_frame(base, 5, i).to_dict(), sample_frame(changed, 5, i).to_dict()
        assert a["gaze_yaw_deg"] != b["gaze_yaw_deg"]
        a.pop("gaze_yaw_deg"), b.pop("gaze_yaw_deg")
        assert a == b


def test_optional_expressions_reach_the_frame(tmp_path):
    path = write_preset(tmp_path, lambda d: d["expression"].update(yawn=0.7, talk={"choice": [0.25]},
                                                                   brow_raise={"uniform": [0.2, 0.4]}))
    params = sample_frame(presets.load(str(path)), 1, 0)
    # the shipped ones keep their draws (each field has its own stream), the new ones are as given
    raise_ = params.expression["brow_raise"]
    assert 0.2 <= raise_ <= 0.4
    assert params.expression == dict(sample_frame(presets.load("default"), 1, 0).expression, talk=0.25, yawn=0.7,
                                     brow_raise=raise_)


def test_fixed_identity_fields_leave_the_rest_of_the_driver_as_drawn():
    from cabin_synth.presets.preset import with_fields

    base = presets.load("default")
    for fixed, name, value in ((("driver.facial_hair", "long_beard"),), "facial_hair", "long_beard"), \
            ((("driver.hair_style", "fringe"),), "hair_style", "fringe"):
        changed = with_fields(base, dict(fixed))
        for i in range(6):
            a, b = sample_frame(base, 4, i).identity.to_dict(), sample_frame(changed, 4, i).identity.to_dict()
            assert b[name] == value
            assert {k: v for k, v in a.items() if k != name} == {k: v for k, v in b.items() if k != name}


@pytest.mark.parametrize("sex, percentile, reference_m", [("female", 5, 1.52), ("male", 95, 1.88), ("male", 50, 1.75)])
def test_stature_percentiles_match_the_anthropometric_figures(sex, percentile, reference_m):
    """5th percentile adult woman about 1.52 m, 50th man 1.75 m, 95th man 1.88 m (population dependent)."""
    from cabin_synth.presets.preset import with_fields

    preset = with_fields(presets.load("default"), {"driver.sex": sex, "driver.age_years": 40,
                                                   "driver.stature_percentile": percentile})
    statures = {round(sample_frame(preset, 0, i).identity.stature_m, 9) for i in range(4)}
    assert len(statures) == 1 and abs(statures.pop() - reference_m) < 0.015


def test_with_fields_takes_a_fixed_field_out_of_the_design_and_checks_the_rest(tmp_path):
    from cabin_synth.presets.preset import with_fields

    base = presets.load("compliance_clips")
    fixed = with_fields(base, {"driver.sex": "male"})
    assert "driver.sex" not in fixed.design.fields and "driver.skin_type" in fixed.design.fields
    assert {sample_frame(fixed, 0, i).identity.sex for i in range(8)} == {"male"}
    with pytest.raises(UserError, match="'accessories.headwear'.*helmet"):
        with_fields(base, {"accessories.headwear": "helmet"})
    with pytest.raises(UserError, match="driving.speed_kmh"):
        with_fields(base, {"driving.speed_kmh": {"uniform": [50, 400]}})


def test_driving_speed_and_context_become_clip_labels():
    from cabin_synth.behaviour.clips import make_clip
    from cabin_synth.presets.preset import with_fields

    preset = with_fields(presets.load("compliance_clips"), {"clip.duration_s": 0.5})
    for c in range(4):
        labels = make_clip(preset, 2, c).labels
        speed = labels["per_frame"]["speed_kmh"]
        assert len(speed) == labels["frame_count"] and len(set(speed)) == 1 and 50 <= speed[0] <= 130
        # the preset's condition: urban below 55 km/h, rural below 95, else highway
        assert labels["driving"]["context"] == ("urban" if speed[0] < 55 else "rural" if speed[0] < 95 else "highway")
    assert "driving" not in make_clip(with_fields(presets.load("distraction_clips"), {"clip.duration_s": 0.2}), 0, 0).labels
