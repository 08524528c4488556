"""Lossy storage of the camera images (preset `output`, --image-format/--quality):
JPEG honours its quality's quantisation and stays within the error it allows,
and the labels and ground-truth images do not change."""

import copy
import io
import json

import numpy as np
import pytest
import yaml
from PIL import Image

from cabin_synth import presets
from cabin_synth.cli import main
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.dataset.writer import encode_lossy
from cabin_synth.errors import UserError

# ITU-T T.81 Annex K: the example luminance and chrominance quantisation tables.
LUMA = np.array([[16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55],
                 [14, 13, 16, 24, 40, 57, 69, 56], [14, 17, 22, 29, 51, 87, 80, 62],
                 [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
                 [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]])
CHROMA = np.full((8, 8), 99)
CHROMA[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def ijg_steps(table, quality):
    """The Independent JPEG Group's scaling of a table to a quality (libjpeg's jcparam.c)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((table * scale + 50) // 100, 1, 255)


def camera_like(rng, shape):
    """Shading, edges and noise, like a camera image."""
    v, u = np.mgrid[0:shape[0], 0:shape[1]]
    base = 90 + 60 * np.sin(u / 23.0) * np.cos(v / 17.0) + 40 * ((u // 29 + v // 31) % 2)
    base = base[..., None] if len(shape) == 3 else base
    return np.clip(base + rng.normal(0, 6, shape), 0, 255).astype(np.uint8)


def decode(data):
    with Image.open(io.BytesIO(data)) as im:
        return np.array(im), getattr(im, "quantization", None), im.format


@pytest.mark.parametrize("quality", [95, 90, 75, 40])
def test_jpeg_uses_its_quality_and_stays_within_the_error_it_allows(quality):
    """Each 8x8 block's DCT is orthonormal, so its pixel error energy equals its
    coefficients' quantisation error energy, at most (step / 2)^2 per coefficient;
    rounding the decoded pixels adds at most 1/2."""
    nir = camera_like(np.random.default_rng(quality), (96, 128))
    decoded, tables, fmt = decode(encode_lossy(nir, "jpeg", quality))
    assert fmt == "JPEG" and decoded.shape == nir.shape and decoded.dtype == np.uint8
    steps = ijg_steps(LUMA, quality)
    assert np.array_equal(np.array(tables[0]).reshape(8, 8), steps)
    rms = np.sqrt(np.mean((decoded.astype(float) - nir) ** 2))
    assert rms <= np.sqrt(np.mean(steps.astype(float) ** 2) / 4) + 0.5
    rgb = camera_like(np.random.default_rng(quality + 1), (96, 128, 3))
    _, tables, _ = decode(encode_lossy(rgb, "jpeg", quality))
    assert np.array_equal(np.array(tables[1]).reshape(8, 8), ijg_steps(CHROMA, quality))


def test_webp_error_falls_as_quality_rises():
    rgb = camera_like(np.random.default_rng(5), (96, 128, 3))
    errors = []
    for quality in (20, 60, 95):
        decoded, _, fmt = decode(encode_lossy(rgb, "webp", quality))
        assert fmt == "WEBP" and decoded.shape == rgb.shape
        errors.append(np.sqrt(np.mean((decoded.astype(float) - rgb) ** 2)))
    assert errors[0] > errors[1] > errors[2]


def small_preset(tmp_path, **sensor):
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"].update(width=160, height=120, pixel_pitch_um=24.0, **sensor)
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_compressed_frames_keep_their_labels_and_ground_truth(tmp_path):
    preset = small_preset(tmp_path)
    runs = {}
    for fmt, extra in (("png", []), ("jpeg", ["--image-format", "jpeg", "--quality", "80"]),
                       ("webp", ["--image-format", "webp"])):
        out = tmp_path / fmt
        assert main(["generate", "--preset", preset, "--frames", "2", "--seed", "3", "--out", str(out),
                     "--quiet", *extra]) == 0
        assert validate_dataset(out) == []
        runs[fmt] = out
    for index in range(2):
        docs = {fmt: json.loads((out / "frames" / f"00000{index}.json").read_text()) for fmt, out in runs.items()}
        files = {fmt: doc.pop("files") for fmt, doc in docs.items()}
        assert docs["jpeg"] == docs["png"] == docs["webp"]
        for kind in ("depth", "seg", "ids"):
            data = {fmt: (runs[fmt] / "frames" / files[fmt][kind]["path"]).read_bytes() for fmt in runs}
            assert data["jpeg"] == data["png"] == data["webp"]
        assert files["jpeg"]["rgb"]["path"].endswith(".rgb.jpg") and files["webp"]["nir"]["path"].endswith(".nir.webp")
        with Image.open(runs["jpeg"] / "frames" / files["jpeg"]["nir"]["path"]) as im:
            assert im.format == "JPEG" and im.quantization[0][0] == ijg_steps(LUMA, 80)[0, 0]
    described = json.loads((runs["jpeg"] / "dataset.json").read_text())
    assert "JPEG at quality 80" in described["images"]["rgb"] and described["preset"]["output"]["quality"] == 80
    # The same preset stored otherwise is another dataset: never mixed into one folder.
    assert main(["generate", "--preset", preset, "--frames", "3", "--seed", "3", "--out", str(runs["png"]),
                 "--quiet", "--image-format", "jpeg"]) == 2


def test_lossy_formats_refuse_more_than_eight_bits(tmp_path):
    preset = presets.load(small_preset(tmp_path, nir=dict(presets.load("default").data["sensor"]["nir"],
                                                          bit_depth=10)))
    with pytest.raises(UserError, match="output.image_format.*8 bits.*sensor.nir.bit_depth"):
        presets.with_overrides(preset, image_format="webp")
    with pytest.raises(UserError, match="output.quality.*png"):
        presets.with_overrides(preset, quality=50)
