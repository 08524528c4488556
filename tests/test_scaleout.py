"""Scale-out and crash safety: shards, workers and resumed runs equal one uninterrupted run;
merge refuses gaps and duplicates; locks, signals and a full disk leave only committed frames."""

import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from cabin_synth.cli import main
from cabin_synth.dataset import writer as writer_module
from cabin_synth.dataset.validate import validate_dataset
from runs import FRAMES, arguments, command, only_committed, run, run_alone, tree


def test_the_union_of_four_shards_is_the_single_run(single, tmp_path, capsys):
    out = tmp_path / "d"
    for i in range(4):
        assert run(out, "--shard", f"{i}/4") == 0
        assert not (out / "manifest.json").exists()   # a shard writes its part, never the manifest
    assert "cabin-synth merge" in capsys.readouterr().out
    assert main(["merge", str(out), "--quiet"]) == 0
    assert tree(out) == single
    assert validate_dataset(out) == []


def test_merge_refuses_a_gap_and_a_duplicate(single, tmp_path, capsys):
    out = tmp_path / "d"
    for i in range(3):
        assert run(out, "--shard", f"{i}/3") == 0
    gone = out / "parts" / "shard-0001-of-0003.json"
    kept = gone.read_bytes()
    gone.unlink()
    capsys.readouterr()
    assert main(["merge", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    # Shard 1 of 3 owns frames 1, 4, 7, 10.
    assert "4 of 12 frames are in no part" in err and "1, 4, 7, 10" in err and "Traceback" not in err
    assert not (out / "manifest.json").exists()
    gone.write_bytes(kept)
    assert run(out, "--shard", "0/2") == 0   # its frames are all there: it only writes its part
    assert main(["merge", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    # 0/2 owns the even frames; 0/3 and 1/3 and 2/3 own them too.
    assert "6 frames appear in more than one part" in err and "0, 2, 4, 6, 8, 10" in err
    assert not (out / "manifest.json").exists()
    (out / "parts" / "shard-0000-of-0002.json").unlink()
    # A frame its part lists has gone since: refused, naming the frame.
    (out / "frames" / "000005.json").unlink()
    assert main(["merge", str(out), "--quiet"]) == 2
    assert "frames 5" in capsys.readouterr().err
    assert run(out, "--shard", "2/3") == 0 and main(["merge", str(out), "--quiet"]) == 0
    assert tree(out) == single


def test_two_workers_equal_the_single_run(single, tmp_path):
    out = tmp_path / "d"
    assert run(out, "--workers", "2") == 0
    assert tree(out) == single


def test_dataset_json_records_versions_and_seeding(single, gl_renderer):
    from pxr import Usd

    document = json.loads(single["dataset.json"])
    software = document["software"]
    assert software["numpy"] == np.__version__
    assert tuple(int(v) for v in software["usd_core"].split(".")) == tuple(Usd.GetVersion())
    assert software["renderer"]["gl_renderer"] == gl_renderer.ctx.info["GL_RENDERER"]
    # The scheme it states is the one the streams use: SeedSequence([seed, index, crc32(name)]).
    from zlib import crc32

    from cabin_synth.presets.streams import stream
    assert "crc32" in document["seeding"]["key"]
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence([3, 5, crc32(b"sensor.nir_noise")])))
    assert stream(3, 5, "sensor.nir_noise").random() == expected.random()


def _cli(out: Path, frames: int = FRAMES) -> subprocess.Popen:
    return subprocess.Popen(command(out, frames=frames), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_labels_do_not_depend_on_the_blas_thread_count(tmp_path):
    # A product's sums split across BLAS threads round differently in the last bits; Ray's
    # workers get OMP_NUM_THREADS=1 and machines differ in cores, so the count must not matter.
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / threads
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        done = run_alone(out, env=env, frames=3)
        assert done.returncode == 0, done.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1]


def test_a_run_after_other_work_in_its_process_equals_a_fresh_one(single, tmp_path):
    # The process builds three drivers (caching templates and interpolators) before its run,
    # with BLAS's default count at two threads: the run must still equal a fresh process's.
    out = tmp_path / "d"
    code = ("import sys, numpy as np\n"
            "from cabin_synth.driver import FaceState, build_driver, sample_identity\n"
            "state = FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {})\n"
            "for s in range(3):\n"
            "    build_driver(sample_identity(np.random.default_rng(s)), state)\n"
            "from cabin_synth.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, *arguments(out, "--quiet")], capture_output=True, text=True,
                          env=dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2"))
    assert done.returncode == 0, done.stderr
    assert tree(out) == single


def _committed(out: Path) -> int:
    return len(list((out / "frames").glob("[0-9]*.json")))


def _wait_for(out: Path, count: int, proc: subprocess.Popen) -> None:
    while _committed(out) < count and proc.poll() is None:
        time.sleep(0.05)


def test_killed_five_times_and_resumed_is_byte_identical(single, tmp_path):
    # Small for CI (12 frames at 96 x 72); bench/crash_resume.py runs the same with 200 frames.
    rng = np.random.default_rng(2026)
    out = tmp_path / "d"
    targets = np.sort(rng.choice(np.arange(1, FRAMES - 1), size=5, replace=False))
    for target in targets:
        proc = _cli(out)
        _wait_for(out, int(target), proc)
        time.sleep(rng.uniform(0.0, 0.6))   # anywhere in the next frame: mid-render, mid-write
        proc.kill()
        proc.wait()
    # SIGTERM: the frame in flight is finished, the run says how to resume and exits 128 + 15.
    proc = _cli(out)
    _wait_for(out, int(targets[-1]) + 1, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "SIGTERM" in err and "rerun the same command to resume" in err
    assert not list(out.rglob(".*.tmp")) and not list((out / ".locks").iterdir())
    assert only_committed(out)
    proc = _cli(out)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    # Progress shows the rate and the time left: "12/12 [00:07<00:00, 1.52frame/s]".
    assert re.search(r"\d+/12 \[[\d:]+<[\d:]+, +[\d.]+(frame/s|s/frame)\]", err)
    assert tree(out) == single


def test_a_live_lock_refuses_a_second_writer_and_a_stale_one_is_taken_over(single, tmp_path, capsys):
    out = tmp_path / "d"
    assert run(out, "--shard", "0/2") == 0
    locks = out / ".locks"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = {"host": socket.gethostname(), "pid": sleeper.pid, "shard": "1/2", "started": "2026-01-01T00:00:00Z"}
        (locks / "shard-0001-of-0002.json").write_text(json.dumps(holder))
        before = tree(out)
        capsys.readouterr()
        for shard in ("1/2", "0/3"):   # the same shard; another N, whose frames overlap
            assert run(out, "--shard", shard) == 2
            err = capsys.readouterr().err
            assert f"pid {sleeper.pid}" in err and "being written" in err
            assert tree(out) == before and sorted(p.name for p in locks.iterdir()) == ["shard-0001-of-0002.json"]
        assert run(out, "--shard", "0/2") == 0   # a shard of the same N writes beside it
        assert main(["merge", str(out), "--quiet"]) == 2
        assert "still being written" in capsys.readouterr().err
    finally:
        sleeper.kill()
        sleeper.wait()
    # Its holder is gone: the lock is stale and taken over.
    assert run(out, "--shard", "1/2") == 0
    assert "taking over the stale lock" in capsys.readouterr().err
    assert main(["merge", str(out), "--quiet"]) == 0 and tree(out) == single


def test_a_full_disk_stops_the_run_clearly_leaving_only_committed_frames(single, tmp_path, capsys, monkeypatch):
    real_open = open

    class FullDisk:
        def __init__(self, path, mode):
            self.file = real_open(path, mode)

        def write(self, data):
            self.file.write(data[: len(data) // 2])   # part of it reaches the disk, then the device is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    def opener(path, mode="r", *args, **kwargs):
        # Frame 2's third payload meets the full disk.
        if Path(path).name.startswith(".000002.nir.png"):
            return FullDisk(path, mode)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(writer_module, "open", opener, raising=False)
    out = tmp_path / "d"
    assert run(out, frames=4) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and "000002.nir.png" in err and "rerun the same command" in err
    assert "Traceback" not in err
    left = {f"frames/{p.name}": p.read_bytes() for p in (out / "frames").iterdir()}
    assert left == {k: v for k, v in single.items() if k.startswith(("frames/000000.", "frames/000001."))}
    assert only_committed(out)
    monkeypatch.undo()
    assert run(out) == 0 and tree(out) == single
