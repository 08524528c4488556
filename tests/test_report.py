"""The report works on any dataset: a plain frame dataset here (compliance sets:
tests/test_compliance.py)."""

import yaml

from browser import console_lines
from cabin_synth.cli import main
from cabin_synth.paths import PRESETS


def test_report_of_a_frame_dataset(tmp_path, capsys):
    data = yaml.safe_load((PRESETS / "default.yaml").read_text())
    data["sensor"]["width"], data["sensor"]["height"] = 128, 96
    data["sensor"]["pixel_pitch_um"] *= 5                       # the full-size field of view
    preset = tmp_path / "small.yaml"
    preset.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    assert main(["generate", "--preset", str(preset), "--frames", "2", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    page = tmp_path / "page.html"
    assert main(["report", str(out), "--out", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    text = page.read_text()
    assert not (out / "report.html").exists()
    for title in ("Contact sheet", "Distributions", "Driver coverage"):
        assert f"<h2>{title}</h2>" in text
    assert "Protocol matrix" not in text and "rendered frames</td><td>2" in text
    errors, dom = console_lines(page, tmp_path)
    assert errors == [] and "Driver coverage" in dom
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "dataset.json" in capsys.readouterr().err
