"""Clips end to end: rendered through the one-frame path, written, resumed and validated."""

import json

import numpy as np
import yaml

from cabin_synth.cli import main
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.paths import PRESETS


def tiny_clip_preset(tmp_path, duration=0.1):
    data = yaml.safe_load((PRESETS / "distraction_clips.yaml").read_text())
    data["clip"]["duration_s"] = duration
    data["sensor"]["width"], data["sensor"]["height"] = 64, 48
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_rendered_clips_agree_with_their_frames_and_validate(tmp_path, capsys):
    preset = tiny_clip_preset(tmp_path)
    out = tmp_path / "out"
    assert main(["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert validate_dataset(out) == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["path"] for c in manifest["clips"]] == ["clips/0000/clip.json", "clips/0001/clip.json"]
    assert manifest["count"] == 6
    for c in range(2):
        clip = json.loads((out / f"clips/{c:04d}/clip.json").read_text())
        assert clip["rendered"] and clip["frame_count"] == 3 and clip["first_frame"] == 3 * c
        for k, entry in enumerate(clip["frames"]):
            frame = json.loads((out / f"clips/{c:04d}" / entry["path"]).read_text())
            assert frame["frame"] == clip["first_frame"] + k
            pf = clip["per_frame"]
            np.testing.assert_allclose(frame["gaze"]["combined"]["direction_vehicle"], pf["gaze_direction_vehicle"][k], atol=1e-9)
            np.testing.assert_allclose(frame["gaze"]["combined"]["origin_vehicle_m"], pf["gaze_origin_vehicle_m"][k], atol=2e-3)
            np.testing.assert_allclose([e["aperture_mm"] for e in frame["eyes"]], pf["aperture_mm"][k], atol=0.15)
            assert frame["params"]["eyelid_closure"] == pf["eyelid_closure"][k]
    capsys.readouterr()
    assert main(["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert "0 clips (2 already there" in capsys.readouterr().out

    png = out / "clips/0000/000001.nir.png"
    png.write_bytes(png.read_bytes()[:-8])              # a damaged payload: that clip is remade
    capsys.readouterr()
    assert main(["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert "1 clips (1 already there" in capsys.readouterr().out
    assert validate_dataset(out) == []

    frame = out / "clips/0001/000004.json"
    frame.write_text(frame.read_text().replace('"frame": 4', '"frame": 5'))
    problems = validate_dataset(out)
    assert any("clips/0001/clip.json" in p and "000004.json" in p for p in problems)


def test_labels_only_clips_and_clip_flag_errors(tmp_path, capsys):
    preset = tiny_clip_preset(tmp_path, duration=2.0)
    out = tmp_path / "labels"
    assert main(["generate", "--preset", str(preset), "--clips", "1", "--labels-only", "--out", str(out), "--quiet"]) == 0
    clip = json.loads((out / "clips/0000/clip.json").read_text())
    assert not clip["rendered"] and clip["frames"] == [] and len(clip["per_frame"]["gaze_zone"]) == 60
    assert sorted(p.name for p in (out / "clips/0000").iterdir()) == ["clip.json"]
    assert validate_dataset(out) == []
    clip["kss"] = 12
    (out / "clips/0000/clip.json").write_text(json.dumps(clip))
    assert any("kss" in p for p in validate_dataset(out))

    capsys.readouterr()
    assert main(["generate", "--preset", str(preset), "--frames", "2", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "clip preset: use --clips" in capsys.readouterr().err
    assert main(["generate", "--preset", "default", "--clips", "2", "--out", str(tmp_path / "y"), "--quiet"]) == 2
    assert "use --frames" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
