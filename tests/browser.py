"""Headless Chromium for the report tests: what a page logs to its console."""

import shutil
import subprocess


def chromium() -> str:
    """The Debian chromium binary (`make test` installs it)."""
    found = shutil.which("chromium")
    assert found, "chromium is missing: run `make test`, or apt-get install chromium"
    return found


def console_lines(page, tmp_path) -> tuple[list[str], str]:
    """What headless Chromium logs from the page's console, and the DOM it loaded."""
    run = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'chrome'}", "--enable-logging=stderr", "--v=0",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    return [line for line in run.stderr.splitlines() if ":CONSOLE" in line], run.stdout
