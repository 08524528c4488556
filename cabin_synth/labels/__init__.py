"""Labels computed from geometry: landmarks, gaze, glints, visibility, semantics."""
