"""docs/compliance_report.png: the report of a small rendered Euro NCAP 2026 set,
as headless Chromium shows it.

    python bench/compliance_report.py [--out DIR]

The set is a copy of protocols/euro-ncap-2026.yaml cut to five cells (a long
distraction, advanced phone use, sleep, a cap, rubbing an eye) with a 1 s
lead-in, on a 320x240 camera with the shipped field of view, rendered through
the ordinary frame path; then `cabin-synth report` and a screenshot of the page
(Chromium from Debian's package), scaled to 1000 px wide.
"""

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml
from PIL import Image, ImageOps

from cabin_synth.cli import main as cli
from cabin_synth.paths import PRESETS, PROJECT_ROOT, PROTOCOLS

WIDTH = 1000


def sampler(folder: Path) -> Path:
    preset = yaml.safe_load((PRESETS / "compliance_clips.yaml").read_text())
    preset["sensor"]["width"], preset["sensor"]["height"] = 320, 240
    preset["sensor"]["pixel_pitch_um"] *= 2.0
    (folder / "sampler_clips.yaml").write_text(yaml.safe_dump(preset))
    data = yaml.safe_load((PROTOCOLS / "euro-ncap-2026.yaml").read_text())
    sc = data["scenarios"]
    pick = lambda family, **case: {**sc[family], "cases": [case], "cross": []}
    data.update(name="euro-ncap-2026-sampler", preset="sampler_clips.yaml")
    data["clip"].update(lead_in_s=1.0, tail_s=0.5)
    data["scenarios"] = {
        "long_distraction": {**pick("long_distraction", task="non_driving", movement="owl", target="infotainment"),
                             "durations": {"long": sc["long_distraction"]["durations"]["long"]}},
        "phone_use": {**pick("phone_use", task="advanced", movement="lizard", target="phone",
                             phone_position="windscreen_view", label="windscreen_view"),
                      "durations": {"long": sc["phone_use"]["durations"]["long"]}},
        "sleep": {**pick("sleep", nod=True), "durations": {"long": sc["sleep"]["durations"]["long"]}},
        "unable_to_monitor": {**pick("unable_to_monitor", condition="cap"), "duration_s": 2.0},
        "no_false_alarm": {**pick("no_false_alarm", label="rubbing_eyes",
                                  hands=[{"pose": "eye_rub", "start_s": 0.8, "duration_s": 1.6}]), "duration_s": 3.0},
    }
    data["points"]["families"] = {f: p for f, p in data["points"]["families"].items() if f in data["scenarios"]}
    path = folder / "sampler.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def screenshot(page: Path, png: Path, work: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={work / 'chrome'}",
                    "--window-size=1400,7800", "--hide-scrollbars", f"--screenshot={png}", page.as_uri()],
                   check=True, capture_output=True, timeout=300)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, help="where to keep the set (default: a temporary folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = args.out or work / "set"
        assert cli(["compliance", "--protocol", str(sampler(work)), "--out", str(out), "--quiet"]) == 0
        assert cli(["report", str(out)]) == 0
        shot = work / "shot.png"
        screenshot(out / "report.html", shot, work)
        image = Image.open(shot).convert("RGB")
        box = ImageOps.invert(image.convert("L")).getbbox()     # the page's content on white
        image = image.crop((0, 0, image.width, min(image.height, box[3] + 20) if box else image.height))
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
        target = PROJECT_ROOT / "docs" / "compliance_report.png"
        image.quantize(256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        print(f"wrote {target.relative_to(PROJECT_ROOT)} ({target.stat().st_size // 1024} KB, {image.width}x{image.height})")


if __name__ == "__main__":
    main()
