"""Contract test of the Replicator-facing code (cabin_synth.omni.capture and .writer)
against a recording stand-in of exactly the API surface it calls (tests/
replicator_standin.py): the frames it commits carry the CPU path's frame
parameters and geometric labels for the same seed, each frame is stepped once per
band with that band's lights in the stage, camera_params are checked against our
camera model, and the calls are the ones omni.replicator.core 1.12.27 offers."""

import asyncio
import copy
import json
import math

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.dataset.reader import open_dataset
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.pipeline import FrameMaker

from replicator_standin import HDR_VALUE, Recorder, install, surface
from test_omniverse_api import entries

SEED, FRAMES, RT_SUBFRAMES = 5, 2, 4


@pytest.fixture(scope="module")
def small_preset():
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"] = dict(data["sensor"], width=160, height=120, pixel_pitch_um=24.0)
    return presets.Preset("default", presets.load("default").path, data)


def run_capture(monkeypatch, recorder, preset, out, radiance_scale=1.0):
    install(monkeypatch, recorder)
    from cabin_synth.omni import writer
    from cabin_synth.omni.capture import capture

    writer.register()
    return asyncio.run(capture(preset, FRAMES, SEED, out, rt_subframes=RT_SUBFRAMES, radiance_scale=radiance_scale))


def test_contract_frames_match_the_cpu_path(monkeypatch, tmp_path, small_preset):
    recorder = Recorder()
    summary = run_capture(monkeypatch, recorder, small_preset, tmp_path / "rtx")
    assert summary["frames"] == FRAMES and validate_dataset(tmp_path / "rtx") == []
    maker = FrameMaker(small_preset, SEED)
    for record in open_dataset(tmp_path / "rtx").frames(kinds=()):
        cpu = maker.make(record.index).labels
        rtx = {k: v for k, v in record.labels.items() if k != "files"}
        assert rtx["params"] == json.loads(json.dumps(cpu["params"]))
        # everything but what the sensor model chose from the pixels
        assert ({k: v for k, v in rtx.items() if k != "sensor_state"}
                == json.loads(json.dumps({k: v for k, v in cpu.items() if k != "sensor_state"})))
    dataset = json.loads((tmp_path / "rtx" / "dataset.json").read_text())
    assert dataset["preset"]["render"] == {"renderer": "rtx", "rt_subframes": RT_SUBFRAMES, "radiance_scale": 1.0}


def test_contract_calls_and_band_passes(monkeypatch, tmp_path, small_preset):
    recorder = Recorder()
    run_capture(monkeypatch, recorder, small_preset, tmp_path / "rtx")
    names = recorder.names()
    assert names[:2] == ["WriterRegistry.register", "orchestrator.set_capture_on_play"]
    assert ("orchestrator.set_capture_on_play", {"value": False}) in recorder.calls
    assert names.count("orchestrator.step_async") == 2 * FRAMES
    assert all(kw == {"rt_subframes": RT_SUBFRAMES} for n, kw in recorder.calls if n == "orchestrator.step_async")
    attach = names.index("UsdContext.attach_stage_async")
    assert names[attach + 1:attach + 3] == ["create.render_product", "Writer.attach"]
    assert ("create.render_product", {"camera": "/World/Camera", "resolution": (160, 120)}) in recorder.calls
    assert names[-3:] == ["orchestrator.wait_until_complete_async", "Writer.detach", "render_product.destroy"]
    requested = {kw["name"] for n, kw in recorder.calls if n == "AnnotatorRegistry.get_annotator"}
    assert requested == {"HdrColor", "distance_to_camera", "instance_id_segmentation_fast", "camera_params"}
    # Steps alternate the RGB and the NIR pass: the illuminator dark, then at the radiance of its W/sr.
    ill = small_preset.section("sensor")["illuminators"][0]["radiant_intensity_w_sr"]
    radius = recorder.stage.GetPrimAtPath("/World/Lights/Illuminator0").GetAttribute("inputs:radius").Get()
    for rgb, nir in zip(recorder.steps[0::2], recorder.steps[1::2]):
        assert rgb["illuminator"] == 0.0
        assert math.isclose(nir["illuminator"] * math.pi * radius ** 2, ill, rel_tol=1e-6)
    # after the capture no pass layer is left in the stage
    assert not recorder.stage.GetSessionLayer().subLayerPaths


def test_contract_camera_params_are_checked(monkeypatch, tmp_path, small_preset):
    recorder = Recorder()

    def longer_lens(params):
        return dict(params, cameraFocalLength=params["cameraFocalLength"] * 1.02)

    recorder.camera_params_edit = longer_lens
    from cabin_synth.export.rtx_frames import CameraMismatch

    with pytest.raises(CameraMismatch, match="fx"):
        run_capture(monkeypatch, recorder, small_preset, tmp_path / "rtx")
    assert not list((tmp_path / "rtx" / "frames").glob("*.json"))


def test_contract_standin_offers_only_listed_names():
    assert surface() <= set(entries())


def test_contract_refuses_lens_distortion(monkeypatch, tmp_path, small_preset):
    from cabin_synth.errors import UserError

    data = copy.deepcopy(dict(small_preset.data))
    data["sensor"] = dict(data["sensor"], distortion={"model": "radtan", "coefficients": [-0.1, 0.01, 0, 0, 0]})
    distorted = presets.Preset("default", small_preset.path, data)
    with pytest.raises(UserError, match="sensor.distortion"):
        run_capture(monkeypatch, Recorder(), distorted, tmp_path / "rtx")
    assert not (tmp_path / "rtx").exists()


def test_hdr_radiance_reaches_the_sensor_model(monkeypatch, tmp_path, small_preset):
    """The pixels the stand-in hands over go through our sensor model: a constant
    HdrColor times the radiance scale gives a flat NIR image at the level the EMVA
    chain makes of that radiance (computed here from the sensor's numbers)."""
    from cabin_synth.sensor.model import LENS_TRANSMITTANCE, LIGHT_SPEED, PLANCK

    # An ideal lens and a fixed exposure at unity gain and full drive: the chain worked by hand below.
    data = copy.deepcopy(dict(small_preset.data))
    data["sensor"].pop("optics")
    data["sensor"]["nir"].pop("auto_exposure")
    small_preset = presets.Preset("default", small_preset.path, data)
    sensor = small_preset.section("sensor")
    nir = sensor["nir"]
    photon_j = PLANCK * LIGHT_SPEED / (nir["wavelength_nm"] * 1e-9)
    e_per_radiance = (np.pi * LENS_TRANSMITTANCE / (4 * sensor["f_number"] ** 2) * (sensor["pixel_pitch_um"] * 1e-6) ** 2
                      * nir["exposure_us"] * 1e-6 / photon_j * nir["quantum_efficiency"])
    scale = 2000.0 / (HDR_VALUE * e_per_radiance)   # some 2000 electrons: mid-scale
    run_capture(monkeypatch, Recorder(), small_preset, tmp_path / "rtx", radiance_scale=scale)
    record = next(iter(open_dataset(tmp_path / "rtx")))
    electrons = HDR_VALUE * scale * e_per_radiance + nir["dark_current_e_per_s"] * nir["exposure_us"] * 1e-6
    expected = min(nir["black_level_dn"] + min(electrons, nir["full_well_e"]) * nir["system_gain_dn_per_e"],
                   2 ** nir["bit_depth"] - 1)
    assert 5 < expected < 2 ** nir["bit_depth"] - 5   # neither dark nor saturated: the check means something
    assert abs(record.images["nir"].mean() - expected) < 0.02 * expected + 0.5
