import pytest

from cabin_synth import presets
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.pipeline import FrameMaker
from runs import run_alone, tree

REQUIRED = "every test is required: `make test` installs the 'test' extra, so a skip means a broken set-up"


# A skipped test proves nothing and CI reads it as green: skips, of a test or of a
# whole module (pytest.importorskip), are reported as failures.
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{REQUIRED}; it was skipped: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{REQUIRED}; {collector.nodeid} was skipped: {report.longrepr}"


@pytest.fixture(scope="session")
def default_preset():
    return presets.load("default")


@pytest.fixture(scope="session")
def maker(default_preset):
    return FrameMaker(default_preset, seed=11)


@pytest.fixture(scope="session")
def frames(maker):
    """A dozen frames of the default preset, made once for the session."""
    return [maker.make(i) for i in range(12)]


@pytest.fixture(scope="session")
def gl_renderer(maker):
    return maker.renderer


@pytest.fixture(scope="session")
def single(tmp_path_factory) -> dict[str, bytes]:
    """The reference of the scale-out tests: one uninterrupted single-process run of the tiny preset,
    in a process of its own like the runs compared with it."""
    out = tmp_path_factory.mktemp("single") / "d"
    done = run_alone(out)
    assert done.returncode == 0, done.stderr
    assert validate_dataset(out) == []
    return tree(out)
