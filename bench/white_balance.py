"""The RGB camera's white balance, auto against daylight, on a preset's frames.

    python bench/white_balance.py [--preset default] [--seed 11] [--frames 30] [--crops DIR]

Each frame is made once with FrameMaker.make (the preset's white balance), then
its rendered buffers go through the lens and sensor again with the other white
balance: the same noise (the same (seed, index) streams), only the balance
differs. Prints per frame the time of day, the road lights, the illuminance the
RGB exposure was set for, the daylight weight and the estimated CCT
and the labelled face box's mean chroma (R/G, B/G of the mean linear level,
decoded from the 8-bit sRGB) under both; then the mean per lighting group and
the cost of the white balance alone (sensor/white_balance.py's balance, ms per
frame). --crops writes each frame's face crop, daylight left and auto right.
"""

import argparse
import copy
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth import presets  # noqa: E402
from cabin_synth.pipeline import FrameMaker, Timings, capture  # noqa: E402
from cabin_synth.scene.materials import srgb_to_linear  # noqa: E402
from cabin_synth.sensor import white_balance  # noqa: E402
from cabin_synth.sensor.model import metered_lux  # noqa: E402


def face_chroma(rgb: np.ndarray, box) -> tuple[float, float]:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    mean = srgb_to_linear(rgb[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1] / 255.0).reshape(-1, 3).mean(axis=0)
    return mean[0] / mean[1], mean[2] / mean[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--crops")
    args = ap.parse_args()
    preset = presets.load(args.preset)
    maker = FrameMaker(preset, args.seed)
    mode = maker.sensor["rgb"].get("white_balance", "auto")
    other = copy.deepcopy(dict(maker.sensor))
    other["rgb"] = dict(other["rgb"], white_balance="daylight" if mode == "auto" else "auto")

    spent = []
    balance = white_balance.balance

    def timed(*args):
        t = time.perf_counter()
        out = balance(*args)
        spent.append((time.perf_counter() - t) * 1e3)
        return out

    white_balance.balance = timed
    groups = defaultdict(list)
    print("frame  time_of_day  road_lights  lux     daylight_weight  cct_k   daylight R/G B/G   auto R/G B/G")
    for i in range(args.frames):
        frame = maker.make(i, Timings())
        box = frame.labels["face_bbox_xyxy"]
        _, rgb_other, state_other = capture(frame.buffers, frame.view.camera, other, maker.pattern, args.seed, i, box)
        images = {mode: frame.images["rgb"], other["rgb"]["white_balance"]: rgb_other}
        states = {mode: frame.labels["sensor_state"]["rgb"], other["rgb"]["white_balance"]: state_other["rgb"]}
        env = frame.labels["environment"]
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            print(f"{i:5d}  {env['time_of_day']:11s}  {env['road_lights']:11s}  no face in view")
            continue
        day, auto = face_chroma(images["daylight"], box), face_chroma(images["auto"], box)
        light = "sodium" if env["road_lights"] == "sodium" else env["time_of_day"]
        groups[light].append(day + auto)
        lux = metered_lux(states["auto"]["exposure_scale"], maker.sensor["rgb"]["auto_exposure_target"])
        print(f"{i:5d}  {env['time_of_day']:11s}  {env['road_lights']:11s}  {lux:6.0f}  "
              f"{states['auto']['white_balance_daylight_weight']:15.2f}  {states['auto']['white_balance_cct_k']:6.0f}"
              f"   {day[0]:5.2f} {day[1]:5.2f}        {auto[0]:5.2f} {auto[1]:5.2f}")
        if args.crops:
            x0, y0, x1, y1 = (int(round(v)) for v in box)
            pad = (x1 - x0) // 4
            crop = (max(x0 - pad, 0), max(y0 - pad, 0), x1 + pad, y1 + pad)
            a, b = (Image.fromarray(images[m]).crop(crop) for m in ("daylight", "auto"))
            pair = Image.new("RGB", (a.width * 2 + 4, a.height), (255, 255, 255))
            pair.paste(a, (0, 0))
            pair.paste(b, (a.width + 4, 0))
            Path(args.crops).mkdir(parents=True, exist_ok=True)
            pair.save(Path(args.crops) / f"wb_{i:03d}_{light}.png")
    print("\nlight     frames   daylight R/G B/G   auto R/G B/G   (face box, mean linear level)")
    for light, rows in sorted(groups.items()):
        m = np.mean(rows, axis=0)
        print(f"{light:8s} {len(rows):6d}    {m[0]:5.2f} {m[1]:5.2f}        {m[2]:5.2f} {m[3]:5.2f}")
    auto_ms = spent[0::2] if mode == "auto" else spent[1::2]
    print(f"\nauto white balance: {np.median(auto_ms):.1f} ms median, {np.max(auto_ms):.1f} ms max per frame "
          f"({maker.sensor['width']} x {maker.sensor['height']})")


if __name__ == "__main__":
    main()
