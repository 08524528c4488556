"""cabin-synth: synthetic in-cabin driver-monitoring data.

Importing this package never imports omni.* (the Omniverse layer lives in
cabin_synth.omni and is imported only inside Kit).
"""

__version__ = "0.1.0"
