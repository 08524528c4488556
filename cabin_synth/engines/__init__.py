"""How a run's frames are spread over processes: one process (pipeline.py), local worker
processes (local.py), a Ray cluster (ray.py); stopping on a signal (stop.py). Every
engine writes frames through the same commit protocol, so any may resume another's run."""
