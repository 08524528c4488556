"""Export folders: new or empty, or (asked with --force) an earlier export of the
same kind, whose files are removed. Anything else is refused before a file is
written; an export never removes a file it did not write."""

from pathlib import Path
from typing import Callable

from ..errors import UserError


def prepare_folder(out: Path, force: bool, kind: str, marker: str,
                   earlier_files: Callable[[Path], list[str] | None]) -> None:
    """Make `out` ready for an export of `kind`. `earlier_files(out)` lists the files
    (relative to `out`, `marker` among them) of an earlier export of this kind found
    there, or gives None when `out` holds none."""
    if out.exists() and not out.is_dir():
        raise UserError(f"is a file; expected a new or empty folder for the {kind} export; nothing was written",
                        file=str(out))
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UserError(f"is not empty; nothing was written. Choose a new or empty folder, or give --force "
                            f"to replace an earlier {kind} export there", file=str(out))
        names = earlier_files(out)
        root = out.resolve()
        if names is None or any(root not in (out / n).resolve().parents for n in names):
            raise UserError(f"is not empty and holds no earlier {kind} export ({marker}); --force replaces only "
                            "that. Nothing was written", file=str(out))
        for name in names:
            (out / name).unlink(missing_ok=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the folder ({exc.strerror})", file=str(out)) from None
