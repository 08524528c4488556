"""Eye, head and eyelid movement profiles: the time courses behaviour models use.

Sources and the figures they give are in docs/behaviour.md. In brief:
- Saccade peak velocity follows the main sequence Vp = VMAX (1 - exp(-A / C)),
  fitted to the normative means of Bahill et al. 1981 / Baloh et al. 1975 and the
  2018 video-oculography cohort (213, 352, 455 deg/s at 5, 15, 30 deg); the
  velocity profile is a half sine, so the duration is pi A / (2 Vp).
- Head movements of gaze shifts are minimum-jerk with a duration growing with
  amplitude (head main sequence, Zangemeister et al. 1981).
- Blinks close faster than they open (Evinger et al. 1991); drowsy blinks are
  longer and slower (Caffier et al. 2003).
"""

import numpy as np

SACCADE_VMAX_DEG_S = 470.0
SACCADE_C_DEG = 9.0
HEAD_DURATION_S = (0.20, 0.004)   # intercept (s) and slope (s/deg) of the head movement duration


def saccade_peak_velocity(amplitude_deg):
    """Main-sequence peak angular velocity (deg/s) of a saccade of the given amplitude (deg)."""
    return SACCADE_VMAX_DEG_S * (1.0 - np.exp(-np.asarray(amplitude_deg, float) / SACCADE_C_DEG))


def saccade_duration(amplitude_deg: float, peak_deg_s: float) -> float:
    """Duration (s) of a half-sine velocity profile with this amplitude and peak velocity."""
    return float(np.pi * amplitude_deg / (2.0 * peak_deg_s)) if amplitude_deg > 0 else 0.0


def half_sine(tau):
    """Position (0..1) of a half-sine velocity profile at normalised time tau."""
    return 0.5 * (1.0 - np.cos(np.pi * np.clip(tau, 0.0, 1.0)))


def min_jerk(tau):
    """Position (0..1) of a minimum-jerk movement at normalised time tau (Flash & Hogan 1985)."""
    t = np.clip(tau, 0.0, 1.0)
    return t ** 3 * (10.0 - 15.0 * t + 6.0 * t * t)


def min_jerk_inverse(fraction: float) -> float:
    """tau at which a minimum-jerk movement has covered `fraction` of its amplitude."""
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if min_jerk(mid) < fraction else (lo, mid)
    return 0.5 * (lo + hi)


def head_duration(amplitude_deg: float) -> float:
    return HEAD_DURATION_S[0] + HEAD_DURATION_S[1] * abs(amplitude_deg)


def lid_pulse(t, start: float, close_s: float, hold_s: float, open_s: float):
    """0..1 closure of one lid movement: close (half-sine), hold closed, reopen (half-sine)."""
    t = np.asarray(t, float) - start
    up = half_sine(t / close_s)
    down = 1.0 - half_sine((t - close_s - hold_s) / open_s)
    return np.where(t < 0, 0.0, np.where(t < close_s + hold_s, up, np.where(t < close_s + hold_s + open_s, down, 0.0)))
