"""User-facing errors: they name the file, the field and what was expected.

The CLI prints them without a traceback; anything else is a bug and keeps its
traceback.
"""


class UserError(Exception):
    """A mistake in the user's input (preset, command line, output folder)."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.file = file
        self.field = field
        where = ", ".join(p for p in (file and f"file {file}", field and f"field '{field}'") if p)
        super().__init__(f"{where}: {message}" if where else message)
