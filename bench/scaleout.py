"""Throughput of `cabin-synth generate` with 1 and 2 worker processes, memory over a long run,
and a run killed and resumed against an uninterrupted one.

    python bench/scaleout.py workers [--frames 24] [--size 640x480]
    python bench/scaleout.py memory  [--frames 1000] [--size 640x480]
    python bench/scaleout.py crash   [--frames 200] [--kills 5] [--size 96x72]

workers: the same frames by one worker held to one core, one worker and two workers,
each a fresh process and folder; prints wall-clock frames/s and the steady rate
(first to last committed frame, start-up left out), the CPU seconds each run used
(a single process already keeps more than one core busy: renderer, BLAS and noise
threads), the ratios, frames per core-hour and bytes per frame.
memory: one worker over many frames; the peak resident set (VmHWM) of the generating
process and its RSS over the first and last tenth of the run (sampled from /proc
every 0.5 s): flat memory shows as equal medians. crash: SIGKILL at random points, resume each time, then compare
every byte with an uninterrupted run. Wall-clock figures: the machine's load
average is printed before and after; compare runs made in one session.
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent


def preset_file(folder: Path, size: str) -> Path:
    """The default preset at another image size (same field of view: the pitch scales)."""
    width, height = (int(v) for v in size.split("x"))
    data = yaml.safe_load((ROOT / "randomizers" / "default.yaml").read_text())
    scale = data["sensor"]["width"] / width
    data["sensor"].update(width=width, height=height, pixel_pitch_um=data["sensor"]["pixel_pitch_um"] * scale)
    data["name"] = f"default_{size}"
    path = folder / f"default_{size}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def command(preset: Path, frames: int, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cabin_synth.cli", "generate", "--preset", str(preset), "--frames", str(frames),
            "--out", str(out), "--quiet", *extra]


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A /proc/PID/status figure of `pid` and its children, MB: VmRSS, the resident set now;
    VmHWM, its peak so far (the 1 GB budget is each worker's)."""
    total = 0.0
    for p in [pid] + children(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def children(pid: int) -> list[int]:
    try:
        kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [g for k in kids for g in children(k)]


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def cpu_seconds_of_children() -> float:
    """User + system CPU seconds of every finished child so far: a run's share is the difference
    across it, so a process that already keeps several cores busy (renderer, BLAS and noise
    threads) shows why a second worker gains little on a small machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def committed_times(out: Path) -> list[float]:
    return sorted(p.stat().st_mtime for p in (out / "frames").glob("[0-9]*.json"))


def bench_workers(args, tmp: Path) -> None:
    preset = preset_file(tmp, args.size)
    cores = os.cpu_count()
    rates = {}
    # One worker held to one core first: with the renderer's, BLAS's and the noise's threads a
    # single process keeps more than one core busy, so "1 worker vs K" on a small machine
    # mixes two effects; one core per worker shows how the worker engine itself scales.
    for label, workers, one_core in (("1 worker on 1 core", 1, True), ("1 worker", 1, False),
                                     ("2 workers", 2, False)):
        out = tmp / label.replace(" ", "_")
        cpu_before = cpu_seconds_of_children()
        start = time.perf_counter()
        subprocess.run(command(preset, args.frames, out, "--workers", str(workers)), check=True,
                       stdout=subprocess.DEVNULL,
                       preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if one_core else None)
        wall = time.perf_counter() - start
        cpu = cpu_seconds_of_children() - cpu_before
        times = committed_times(out)
        steady = (len(times) - workers) / (times[-1] - times[workers - 1])
        rates[label] = steady
        print(f"{label}: {args.frames} frames at {args.size} in {wall:.1f} s = "
              f"{args.frames / wall:.2f} frames/s with start-up, {steady:.2f} frames/s steady; "
              f"CPU {cpu:.0f} s = {cpu / wall:.2f} cores busy on average, {cpu / args.frames:.2f} CPU s a frame")
    size = sum(p.stat().st_size for p in (tmp / "1_worker" / "frames").iterdir()) / args.frames
    print(f"2 workers / 1 worker (steady): {rates['2 workers'] / rates['1 worker']:.2f}x on {cores} cores")
    print(f"2 workers on {cores} cores / 1 worker on 1 core (steady): "
          f"{rates['2 workers'] / rates['1 worker on 1 core']:.2f}x")
    print(f"frames per core-hour (2 workers on {cores} cores): {rates['2 workers'] * 3600 / cores:.0f}")
    print(f"bytes per frame (5 PNGs and the JSON): {size / 1e3:.0f} kB")


def bench_memory(args, tmp: Path) -> None:
    preset = preset_file(tmp, args.size)
    out = tmp / "memory"
    proc = subprocess.Popen(command(preset, args.frames, out), stdout=subprocess.DEVNULL)
    samples = []   # (frames committed, RSS MB, peak RSS so far MB)
    while proc.poll() is None:
        samples.append((len(list((out / "frames").glob("[0-9]*.json"))) if (out / "frames").exists() else 0,
                        memory_mb(proc.pid), memory_mb(proc.pid, "VmHWM")))
        time.sleep(0.5)
    if proc.returncode:
        raise SystemExit(f"generate failed ({proc.returncode})")
    done = np.array(samples)
    tenth = args.frames / 10
    early = done[(done[:, 0] >= 1) & (done[:, 0] <= tenth), 1]
    late = done[done[:, 0] >= args.frames - tenth, 1]
    print(f"{args.frames} frames at {args.size}, one worker: peak RSS {done[:, 2].max():.0f} MB; "
          f"median RSS over the first tenth {np.median(early):.0f} MB, over the last tenth {np.median(late):.0f} MB")


def bench_crash(args, tmp: Path) -> None:
    preset = preset_file(tmp, args.size)
    reference, resumed = tmp / "reference", tmp / "resumed"
    start = time.perf_counter()
    subprocess.run(command(preset, args.frames, reference), check=True, stdout=subprocess.DEVNULL)
    print(f"uninterrupted: {args.frames} frames in {time.perf_counter() - start:.1f} s")
    rng = np.random.default_rng(args.seed)
    targets = np.sort(rng.choice(np.arange(1, args.frames - 1), size=args.kills, replace=False))
    for target in targets:
        proc = subprocess.Popen(command(preset, args.frames, resumed), stdout=subprocess.DEVNULL)
        while len(committed_times(resumed) if (resumed / "frames").exists() else []) < target and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        print(f"killed after {len(committed_times(resumed))} committed frames")
    subprocess.run(command(preset, args.frames, resumed), check=True, stdout=subprocess.DEVNULL)

    def files(out):
        return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")
                if p.is_file() and p.relative_to(out).parts[0] != ".locks"}

    a, b = files(reference), files(resumed)
    differing = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    print(f"resumed after {args.kills} kills: {len(b)} files, {'byte-identical' if not differing else 'DIFFERENT'}"
          f" to the uninterrupted run{': ' + ', '.join(differing[:5]) if differing else ''}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("workers", "memory", "crash"))
    p.add_argument("--frames", type=int)
    p.add_argument("--size")
    p.add_argument("--kills", type=int, default=5)
    p.add_argument("--seed", type=int, default=14)
    args = p.parse_args()
    defaults = {"workers": (24, "640x480"), "memory": (1000, "640x480"), "crash": (200, "96x72")}[args.what]
    args.frames = args.frames or defaults[0]
    args.size = args.size or defaults[1]
    print(f"load average before: {load()}")
    with tempfile.TemporaryDirectory(prefix="cabin_bench_") as tmp:
        {"workers": bench_workers, "memory": bench_memory, "crash": bench_crash}[args.what](args, Path(tmp))
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
