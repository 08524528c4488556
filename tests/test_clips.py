"""Clips end to end: rendered through the one-frame path, written, resumed and validated."""

import json
import shutil

import numpy as np
import pytest
import yaml
from pycocotools.coco import COCO

from cabin_synth import presets
from cabin_synth.behaviour.clips import make_clip
from cabin_synth.cli import main
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.paths import PRESETS
from cabin_synth.pipeline import FrameMaker
from rays import ray_hits


def tiny_clip_preset(tmp_path, duration=0.1, **behaviour):
    data = yaml.safe_load((PRESETS / "distraction_clips.yaml").read_text())
    data["clip"]["duration_s"] = duration
    data["behaviour"].update(behaviour)
    data["sensor"]["width"], data["sensor"]["height"] = 64, 48
    data["sensor"]["pixel_pitch_um"] *= 10                       # the full-size field of view
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Two rendered clips of three 64x48 frames each (seed 3) of sleepy drivers, whose lids droop."""
    tmp = tmp_path_factory.mktemp("clips")
    preset = tiny_clip_preset(tmp, kss=9)
    out = tmp / "out"
    assert main(["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    return preset, out


def test_rendered_clips_agree_with_their_frames_and_validate(rendered, capsys):
    preset, out = rendered
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
            # the head origin is the midpoint of the eyeball centres, the gaze origin
            np.testing.assert_allclose(frame["gaze"]["combined"]["origin_vehicle_m"], pf["gaze_origin_vehicle_m"][k], atol=1e-9)
            # the lids built for the frame: closure as planned, aperture as the clip's table interpolates it
            assert pf["eyelid_closure"][k] > 0.2
            np.testing.assert_allclose([e["closure"] for e in frame["eyes"]], pf["eyelid_closure"][k], atol=1e-12)
            np.testing.assert_allclose([e["aperture_mm"] for e in frame["eyes"]], pf["aperture_mm"][k], atol=0.15)
    capsys.readouterr()
    assert main(["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert "0 clips (2 already there" in capsys.readouterr().out


def test_clip_frames_export_with_their_clip_and_time(rendered, tmp_path):
    _, out = rendered
    clips = [json.loads((out / f"clips/{c:04d}/clip.json").read_text()) for c in range(2)]
    expected = {clip["first_frame"] + k: (clip["clip"], k / clip["fps"]) for clip in clips for k in range(3)}
    assert main(["export", str(out), "--format", "coco", "--out", str(tmp_path / "c.json")]) == 0
    coco = COCO(str(tmp_path / "c.json"))
    images = coco.loadImgs(coco.getImgIds())
    assert {im["id"]: (im["clip"], im["time_s"]) for im in images} == expected
    for im in images:
        c = im["id"] // 3
        assert im["file_name"] == f"clips/{c:04d}/{im['id']:06d}.rgb.png" and (out / im["file_name"]).is_file()
    assert main(["export", str(out), "--format", "xgaze", "--out", str(tmp_path / "xg")]) == 0
    samples = json.loads((tmp_path / "xg/labels.json").read_text())["samples"]
    assert samples and all((s["clip"], s["time_s"]) == expected[s["frame"]] for s in samples)


MAKE = FrameMaker.make


class Renders:
    """Counts FrameMaker.make calls; raises KeyboardInterrupt (Ctrl-C) after `stop_after` of them."""

    def __init__(self, monkeypatch, stop_after=None):
        self.indices, self.stop_after = [], stop_after

        def counted(maker, index, *args, **kwargs):
            if self.stop_after is not None and len(self.indices) == self.stop_after:
                raise KeyboardInterrupt
            self.indices.append(index)
            return MAKE(maker, index, *args, **kwargs)
        monkeypatch.setattr(FrameMaker, "make", counted)


def test_clip_resume_renders_only_what_is_missing(tmp_path, monkeypatch, capsys):
    preset = tiny_clip_preset(tmp_path, duration=0.2)           # one clip of 6 frames
    out = tmp_path / "out"
    command = ["generate", "--preset", str(preset), "--clips", "1", "--seed", "5", "--out", str(out), "--quiet"]
    killed = Renders(monkeypatch, stop_after=2)
    assert main(command) == 130                                  # interrupted after frames 0 and 1
    assert killed.indices == [0, 1] and not (out / "clips/0000/clip.json").exists()
    kept = {p: p.stat().st_mtime_ns for p in (out / "clips/0000").iterdir()}
    resumed = Renders(monkeypatch)
    assert main(command) == 0
    assert resumed.indices == [2, 3, 4, 5]
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    assert validate_dataset(out) == []

    (out / "clips/0000/000004.nir.png").unlink()                  # one lost payload: only its frame again
    png = out / "clips/0000/000001.rgb.png"
    png.write_bytes(png.read_bytes()[:-8])                       # one damaged payload: the same
    again = Renders(monkeypatch)
    capsys.readouterr()
    assert main(command) == 0
    assert again.indices == [1, 4] and "1 clips (0 already there" in capsys.readouterr().out
    assert validate_dataset(out) == []

    frame = out / "clips/0000/000003.json"
    frame.write_text(frame.read_text().replace('"frame": 3', '"frame": 5'))
    problems = validate_dataset(out)
    assert any("clips/0000/clip.json" in p and "000003.json" in p for p in problems)


def test_labels_only_over_rendered_clips_keeps_them_rendered(rendered, tmp_path, capsys):
    preset, original = rendered
    out = tmp_path / "out"
    shutil.copytree(original, out)
    command = ["generate", "--preset", str(preset), "--clips", "2", "--seed", "3", "--out", str(out), "--quiet",
               "--labels-only"]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(command) == 0
    assert before == {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert json.loads((out / "clips/0001/clip.json").read_text())["rendered"] and validate_dataset(out) == []
    # A damaged rendered clip: labels only would drop its frames; refused, nothing changed.
    (out / "clips/0001/000004.depth.png").unlink()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(command) == 2
    assert "clip 1" in (err := capsys.readouterr().err) and "without --labels-only" in err
    assert before == {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_labels_only_clips_and_clip_flag_errors(tmp_path, capsys):
    preset = tiny_clip_preset(tmp_path, duration=2.0)
    out = tmp_path / "labels"
    assert main(["generate", "--preset", str(preset), "--clips", "1", "--labels-only", "--out", str(out), "--quiet"]) == 0
    clip = json.loads((out / "clips/0000/clip.json").read_text())
    assert not clip["rendered"] and clip["frames"] == [] and len(clip["per_frame"]["gaze_zone"]) == 60
    assert sorted(p.name for p in (out / "clips/0000").iterdir()) == ["clip.json"]
    assert validate_dataset(out) == []
    # a frame file nothing lists (left by an earlier rendered run) is reported
    stray = out / "clips/0000/000000.nir.png"
    stray.write_bytes(b"left behind")
    assert validate_dataset(out) == [f"{stray}: orphan file: neither manifest.json nor any clip or frame JSON lists it"]
    stray.unlink()
    clip["kss"] = 12
    (out / "clips/0000/clip.json").write_text(json.dumps(clip))
    assert any("kss" in p for p in validate_dataset(out))

    capsys.readouterr()
    assert main(["generate", "--preset", str(preset), "--frames", "2", "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "clip preset: use --clips" in capsys.readouterr().err
    assert main(["generate", "--preset", "default", "--clips", "2", "--out", str(tmp_path / "y"), "--quiet"]) == 2
    assert "use --frames" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_phone_glances_hold_the_phone_and_look_at_its_screen(tmp_path):
    # Only phone glances, soon after the start: the clip holds one.
    preset = presets.load(str(tiny_clip_preset(tmp_path, 1.5, glance_zones="phone", road_dwell_s=0.3,
                                               phone_dwell_s=0.6)))
    clip = make_clip(preset, 1, 0)
    use = np.array(clip.labels["per_frame"]["phone_use"])
    held = np.array([p.body.hand_pose == "phone_in_hand" for p in clip.params])
    assert 0 < use.sum() < held.sum() < len(held) and not (use & ~held).any()   # held from before the look to after
    for p, h in zip(clip.params, held):
        assert (p.accessories.phone, p.body.hand_pose) == (("lap", "phone_in_hand") if h else
                                                           (clip.base.accessories.phone, clip.base.body.hand_pose))
    maker = FrameMaker(preset, 1)
    looking = clip.params[int(np.flatnonzero(use)[len(np.flatnonzero(use)) // 2])]
    frame = maker.make(looking.index, params=looking)
    assert frame.body.holds.count("phone") == 1
    assert {b["position"] for b in frame.labels["accessories"] if b["slot"] == "phone"} == {"lap"}
    # The gaze ray meets the phone's screen as the stage holds it (the triangles the renderer draws).
    screen = [i.id for i in frame.view.instances if i.prim.endswith("/Phone/Geom/Screen")]
    tris = frame.view.positions[frame.view.triangles[np.isin(frame.view.instance_ids[frame.view.triangles[:, 0]],
                                                             screen)]].astype(float)
    gaze = frame.labels["gaze"]["combined"]
    assert np.isfinite(ray_hits(np.array(gaze["origin_vehicle_m"]), np.array(gaze["direction_vehicle"]), tris)).any()
    away = clip.params[0]
    assert not any(i.semantic == "phone" for i in maker.make(away.index, params=away).view.instances)
