"""Semantic classes of the segmentation image.

The ids are part of the dataset format (seg.png stores them, dataset.json lists
them): append new classes at the end, never renumber.
"""

CLASSES: tuple[str, ...] = (
    "background",
    "skin",
    "sclera",
    "iris",
    "pupil",
    "eyebrows",
    "eyelashes",
    "hair",
    "facial_hair",
    "lips",
    "glasses_frame",
    "lens",
    "mask",
    "headwear",
    "phone",
    "hands",
    "steering_wheel",
    "seat",
    "cabin",
    "clothing",
    "window",
    "seat_belt",
    "exterior",    # the world outside the vehicle: road, roadside, buildings, trees, lamps, vehicles, tunnel
    "sky",         # the sky dome (and the far ground beyond the world's meshes)
)

CLASS_ID: dict[str, int] = {name: i for i, name in enumerate(CLASSES)}
