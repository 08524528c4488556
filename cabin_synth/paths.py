"""Where the project's data folders live (the repository root is the extension root)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = PROJECT_ROOT / "schemas"
PRESETS = PROJECT_ROOT / "randomizers"
USD_ASSETS = PROJECT_ROOT / "usd_assets"
PROTOCOLS = PROJECT_ROOT / "protocols"
