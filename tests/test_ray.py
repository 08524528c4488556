"""`--engine ray` on a local Ray instance started by the run equals the single-process run."""

from runs import run, tree


def test_a_ray_run_equals_the_single_run(single, tmp_path):
    out = tmp_path / "d"
    assert run(out, "--engine", "ray", "--workers", "2") == 0
    assert tree(out) == single
