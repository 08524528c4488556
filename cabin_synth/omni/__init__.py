"""The Omniverse Kit layer: imported only inside Kit (it imports omni.*).

Kit instantiates the IExt subclass found in this module when the extension is
enabled (extension.toml [[python.module]]).
"""

from .extension import CabinSynthExtension

__all__ = ["CabinSynthExtension"]
