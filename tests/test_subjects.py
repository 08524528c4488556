"""`subjects`: a dataset of N people. Every frame of a subject shows the same person and
what varies per frame still varies (presets that would let a per-frame field decide a
person are refused: tests/test_presets.py)."""

import json
from collections import defaultdict
from pathlib import Path

import yaml

from cabin_synth import presets
from cabin_synth.cli import main
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.paths import PRESETS
from cabin_synth.presets.sampler import sample_frame
from runs import TINY


def preset_with(tmp_path, source, **changes):
    data = yaml.safe_load(source.read_text())
    data.update(changes)
    path = tmp_path / "subjects.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_every_frame_of_a_subject_shows_one_person_and_the_moment_still_varies(tmp_path):
    path = preset_with(tmp_path, PRESETS / "default.yaml", subjects=3,
                       body={"build": {"uniform": [-2, 2]}},
                       # a per-frame field that reads a person field sees the subject's value
                       conditional={"gaze.distance_m": {"given": "driver.sex",
                                                        "cases": [{"equals": "female", "value": 0.7},
                                                                  {"value": 3.0}]}})
    preset = presets.load(str(path))
    frames = [sample_frame(preset, 4, i) for i in range(60)]
    by_subject = defaultdict(list)
    for p in frames:
        by_subject[p.subject].append(p)
    assert sorted(by_subject) == [0, 1, 2]
    people = {}
    for subject, shown in by_subject.items():
        person = {(json.dumps(p.identity.to_dict(), sort_keys=True), p.body.build) for p in shown}
        assert len(person) == 1, subject
        people[subject] = person.pop()
        assert len({p.head_euler_deg for p in shown}) == len(shown)   # the pose is the moment's
        assert all(p.gaze_distance_m == (0.7 if p.identity.sex == "female" else 3.0) for p in shown)
    assert len(set(people.values())) == 3

    drawn = presets.load(str(preset_with(tmp_path, PRESETS / "default.yaml")))
    alone = [sample_frame(drawn, 4, i) for i in range(20)]
    assert all(p.subject is None for p in alone)
    assert len({json.dumps(p.identity.to_dict(), sort_keys=True) for p in alone}) == 20


def test_frames_label_their_subject(tmp_path):
    path = preset_with(tmp_path, Path(TINY), subjects=2)
    out = tmp_path / "d"
    assert main(["generate", "--preset", str(path), "--frames", "4", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    assert validate_dataset(out) == []
    seen = defaultdict(set)
    for f in sorted((out / "frames").glob("*.json")):
        labels = json.loads(f.read_text())
        driver = {k: v for k, v in labels["driver"].items() if k != "subject"}
        assert labels["driver"]["subject"] == labels["params"]["subject"] in (0, 1)
        assert driver == labels["params"]["identity"]
        seen[labels["driver"]["subject"]].add(json.dumps(driver, sort_keys=True))
    assert all(len(people) == 1 for people in seen.values())
