import pytest

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker


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
