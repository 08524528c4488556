"""Cost of building the driver geometry: prints ms per call for a known identity
(state changes only) and for new identities (identity warp included).

    python bench/driver_build.py
"""

import time

import numpy as np

from cabin_synth.driver import FaceState, build_driver, sample_identity


def main() -> None:
    rng = np.random.default_rng(0)
    identity = sample_identity(np.random.default_rng(1))
    states = [FaceState(gaze_target_head=np.array([0.7, rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.2)]),
                        eyelid_closure=np.full(2, rng.uniform()), pupil_diameter_mm=rng.uniform(2, 8),
                        expression={"smile": rng.uniform(), "mouth_open": rng.uniform()}) for _ in range(30)]
    t = time.perf_counter()
    build_driver(identity, states[0])
    print(f"first call (template, warp matrix): {(time.perf_counter() - t) * 1e3:.0f} ms")
    t = time.perf_counter()
    for s in states:
        build_driver(identity, s)
    print(f"same identity, new state: {(time.perf_counter() - t) / len(states) * 1e3:.1f} ms per call")
    news = [sample_identity(np.random.default_rng(100 + k)) for k in range(20)]
    t = time.perf_counter()
    for n in news:
        build_driver(n, states[0])
    print(f"new identity: {(time.perf_counter() - t) / len(news) * 1e3:.1f} ms per call")
    geometry = build_driver(identity, states[0])
    print(f"triangles: head {len(geometry.part('Head').faces)}, all parts {sum(len(p.faces) for p in geometry.parts)}")


if __name__ == "__main__":
    main()
