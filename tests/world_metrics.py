"""The issue's measure of a flat world behind the glass (issue 12): luminance spread and
edge density of the pixels seen through the windows against the cabin's own pixels."""

import numpy as np
from scipy import ndimage

from cabin_synth.labels.semantics import CLASS_ID

OUTSIDE = (CLASS_ID["exterior"], CLASS_ID["sky"])
EDGE_STEP = 20.0   # Sobel magnitude on the 0-255 luma scale that counts as an edge


def window_vs_cabin(rgb: np.ndarray, seg: np.ndarray) -> dict:
    """Spread (standard deviation of the 8-bit luma) and edge density (share of pixels whose
    Sobel gradient exceeds EDGE_STEP) of the window region and of the cabin region, each
    eroded by 2 px so that the border between the two counts for neither, and their ratios."""
    luma = rgb.astype(float) @ np.array([0.2126, 0.7152, 0.0722])
    edges = np.hypot(ndimage.sobel(luma, 0), ndimage.sobel(luma, 1)) / 8.0 > EDGE_STEP
    window = ndimage.binary_erosion(np.isin(seg, OUTSIDE), iterations=2)
    cabin = ndimage.binary_erosion(~np.isin(seg, OUTSIDE) & (seg != CLASS_ID["background"]), iterations=2)
    out = {"window_px": int(window.sum()), "cabin_px": int(cabin.sum())}
    for name, mask in (("window", window), ("cabin", cabin)):
        out[f"{name}_spread"] = float(luma[mask].std()) if mask.any() else 0.0
        out[f"{name}_edges"] = float(edges[mask].mean()) if mask.any() else 0.0
    out["spread_ratio"] = out["window_spread"] / max(out["cabin_spread"], 1e-9)
    out["edge_ratio"] = out["window_edges"] / max(out["cabin_edges"], 1e-9)
    return out
