"""Distributions, designs, conditions and correlations: checked against independent computation."""

import copy

import numpy as np
import pytest
import yaml
from scipy import stats

from cabin_synth import presets
from cabin_synth.cli import main
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.presets.distributions import cdf, draw, quantile
from cabin_synth.presets.sampler import sample_frame


def variant(mutate, name="variant"):
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    mutate(data)
    return presets.Preset(name, base.path, data)


def write(tmp_path, mutate, name="mine.yaml"):
    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    mutate(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_adding_randomizers_leaves_every_other_value_of_100_frames_unchanged():
    base = presets.load("default")

    def add(d):
        d["camera"]["position_jitter_m"] = {"uniform": [0.0, 0.02]}          # a new randomizer
        d["conditional"] = {**d.get("conditional", {}), "eyes.pupil_diameter_mm": {"given": "driver.age_years", "cases": [
            {"below": 50, "value": {"uniform": [3, 7]}}, {"value": {"uniform": [2, 5]}}]}}
        d["correlated"] = [{"fields": ["head_pose.yaw_deg", "gaze.yaw_deg"], "correlation": 0.6}]
    changed = variant(add)
    touched = {"camera_offset_m", "pupil_diameter_mm", "gaze_yaw_deg"}
    differs = {k: 0 for k in touched | {"head_yaw"}}
    for i in range(100):
        a, b = sample_frame(base, 3, i).to_dict(), sample_frame(changed, 3, i).to_dict()
        for k in touched:
            differs[k] += a.pop(k) != b.pop(k)
        ya, yb = a.pop("head_euler_deg"), b.pop("head_euler_deg")
        differs["head_yaw"] += ya[0] != yb[0]
        assert ya[1:] == yb[1:]
        assert a == b, i
    assert all(n > 50 for n in differs.values()), differs   # the added randomizers did act


def test_lognormal_matches_scipy_and_truncation():
    spec = {"lognormal": {"median": 2.0, "sigma": 0.5}}
    rng = np.random.default_rng(0)
    x = np.array([draw(spec, rng) for _ in range(4000)])
    assert stats.kstest(x, stats.lognorm(s=0.5, scale=2.0).cdf).pvalue > 0.01
    t = {"lognormal": {"median": 2.0, "sigma": 0.5, "min": 1.0, "max": 3.0}}
    y = np.array([draw(t, rng) for _ in range(2000)])
    assert y.min() >= 1.0 and y.max() <= 3.0
    for u in (0.1, 0.5, 0.9):
        assert cdf(t, quantile(t, u)) == pytest.approx(u, abs=1e-9)


def test_asset_choice_resolves_names_and_paths_and_rejects_outside(tmp_path):
    path = write(tmp_path, lambda d: d["cabin"].update(name={"asset": ["suv", "../../usd_assets/cabins/van.usda"]}))
    # relative to the preset's folder this path leaves it; relative to the project root it is the van
    good = write(tmp_path, lambda d: d["cabin"].update(name={"asset": ["suv", "usd_assets/cabins/van.usda"]}), "good.yaml")
    assert presets.load(str(good)).section("cabin")["name"] == {"asset": ["suv", "van"]}
    with pytest.raises(UserError, match=r"cabin\.name\.asset"):
        presets.load(str(path))
    outside = tmp_path / "elsewhere.usda"
    outside.write_text("#usda 1.0\n")
    bad = write(tmp_path, lambda d: d["cabin"].update(name={"asset": ["elsewhere.usda"]}), "bad.yaml")
    with pytest.raises(UserError, match=r"cabin\.name\.asset.*not a cabin in usd_assets/cabins"):
        presets.load(str(bad))


def test_conditional_cases_pick_by_the_given_value():
    def add(d):
        d["conditional"] = {"eyes.pupil_diameter_mm": {"given": "driver.sex", "cases": [
            {"equals": "male", "value": 2.5}, {"value": 7.5}]},
            "head_pose.offset_z_m": {"given": "driver.stature_m", "cases": [
                {"below": 1.70, "value": 0.02}, {"value": -0.02}]}}
    p = variant(add)
    for i in range(40):
        f = sample_frame(p, 1, i)
        assert f.pupil_diameter_mm == (2.5 if f.identity.sex == "male" else 7.5)
        assert f.head_offset_m[2] == (0.02 if f.identity.stature_m < 1.70 else -0.02)


def test_correlated_fields_keep_marginals_and_reach_the_correlation():
    p = variant(lambda d: d.update(correlated=[{"fields": ["head_pose.yaw_deg", "gaze.yaw_deg"], "correlation": 0.7}]))
    frames = [sample_frame(p, 2, i) for i in range(500)]
    yaw = np.array([[f.head_euler_deg[0], f.gaze_yaw_deg] for f in frames])
    rho = stats.spearmanr(yaw[:, 0], yaw[:, 1]).statistic
    # Spearman rho of a Gaussian copula with r: (6/pi) asin(r/2)
    assert rho == pytest.approx(6 / np.pi * np.arcsin(0.35), abs=0.08)
    a, b = -50 / 15, 50 / 15
    assert stats.kstest(yaw[:, 0], stats.truncnorm(a, b, scale=15).cdf).pvalue > 0.01


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(correlated=[{"fields": ["head_pose.yaw_deg", "driver.sex"], "correlation": 0.5}]), "driver.sex"),
    (lambda d: d.update(correlated=[{"fields": ["head_pose.yaw_deg", "gaze.yaw_deg"],
                                     "correlation": [[1, 2], [2, 1]]}]), "correlated"),
    (lambda d: d.update(conditional={"eyes.closure": {"given": "eyes.closur", "cases": [{"value": 0}]}}), "conditional.eyes.closure"),
    (lambda d: d.update(conditional={"eyes.closure": {"given": "driver.age_years", "cases": [{"below": 3, "value": 2.0}, {"value": 0}]}}),
     "conditional.eyes.closure.cases[0].value"),
    (lambda d: d.update(design={"kind": "stratified", "factors": [{"field": "driver.age_years", "bins": [10, 20]}]}), "design.factors"),
    (lambda d: d.update(design={"kind": "full_factorial", "factors": ["driver.age_years"]}), "design.factors"),
    (lambda d: d["gaze"].update(distance_m={"lognormal": {"median": 2, "sigma": 1}}), "gaze.distance_m.lognormal"),
    (lambda d: d["cabin"].update(name={"asset": ["suv", "limo"]}), "cabin.name.asset"),
])
def test_bad_links_name_the_field(tmp_path, mutate, field):
    with pytest.raises(UserError) as err:
        presets.load(str(write(tmp_path, mutate)))
    assert field in str(err.value) and "mine.yaml" in str(err.value)


STRATA = {"kind": "stratified", "factors": ["driver.sex", "driver.skin_type", "cabin.drive",
                                            {"field": "driver.age_years", "bins": [18, 35, 55, 80]}]}


@pytest.mark.parametrize("n", [144, 200, 37])
def test_stratified_fills_every_cell_within_one(n):
    p = variant(lambda d: d.update(design=STRATA))
    cells = 2 * 6 * 2 * 3
    counts = {}
    for i in range(n):
        f = sample_frame(p, 9, i)
        age_bin = int(np.searchsorted([35, 55], f.identity.age_years, side="right"))
        key = (f.identity.sex, f.identity.skin_type, f.drive, age_bin)
        counts[key] = counts.get(key, 0) + 1
    if n >= cells:
        assert len(counts) == cells
    assert all(abs(c - n / cells) < 1 + 1e-9 for c in counts.values())
    assert sum(counts.values()) == n


def test_full_factorial_is_systematic_and_latin_hypercube_fills_every_stratum():
    ff = variant(lambda d: d.update(design={"kind": "full_factorial", "factors": ["driver.sex", "cabin.drive"]}))
    got = [(sample_frame(ff, 0, i).identity.sex, sample_frame(ff, 0, i).drive) for i in range(8)]
    assert got == [("female", "lhd"), ("female", "rhd"), ("male", "lhd"), ("male", "rhd")] * 2
    lhs = variant(lambda d: d.update(design={"kind": "latin_hypercube", "block": 20,
                                             "factors": ["driver.age_years", "lighting.sun_elevation_deg"]}))
    for block in range(2):
        frames = [sample_frame(lhs, 4, 20 * block + j) for j in range(20)]
        age = np.array([f.identity.age_years for f in frames])
        elev = np.array([f.lighting.sun_elevation_deg for f in frames])
        assert sorted(np.floor((age - 18) / 62 * 20).astype(int)) == list(range(20))
        lo, hi = lhs.data["lighting"]["sun_elevation_deg"]["uniform"]
        assert sorted(np.floor((elev - lo) / (hi - lo) * 20).astype(int)) == list(range(20))


def test_describe_prints_cells_and_counts(tmp_path, capsys):
    path = write(tmp_path, lambda d: d.update(design=STRATA))
    assert main(["describe", str(path), "--frames", "150"]) == 0
    out = capsys.readouterr().out
    assert "stratified" in out and "72 cells" in out and "expected 2.08 per cell" in out
    counts = [int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line.startswith("  driver.sex=")]
    assert len(counts) == 72 and sum(counts) == 150 and set(counts) <= {2, 3}


def test_shipped_occlusions_preset_fills_mount_by_yaw_cells():
    p = presets.load("occlusions")
    edges = [-85, -50, -20, 20, 50, 85]
    mounts = p.section("camera")["mount"]["choice"]
    n = 2 * 25 + 3
    counts = {}
    for i in range(n):
        f = sample_frame(p, 1, i)
        cell = (f.camera_mount, int(np.searchsorted(edges, f.head_euler_deg[0], side="right")))
        counts[cell] = counts.get(cell, 0) + 1
    assert set(counts) == {(m, b) for m in mounts for b in range(1, 6)}
    assert all(abs(c - n / 25) < 1 + 1e-9 for c in counts.values())


def test_describe_latin_hypercube(tmp_path, capsys):
    path = write(tmp_path, lambda d: d.update(design={"kind": "latin_hypercube", "block": 10,
                                                      "factors": ["driver.age_years", "gaze.distance_m"]}))
    assert main(["describe", str(path), "--frames", "25"]) == 0
    out = capsys.readouterr().out
    assert "2 full block(s) of 10 and a partial block of 5" in out
    assert "driver.age_years: per-stratum counts min 2 max 3" in out
