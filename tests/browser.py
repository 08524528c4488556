"""Headless Chromium for the report tests: what a page logs to its console."""

import os
import shutil
import subprocess


def chromium() -> str:
    """The Debian chromium binary, installed with apt-get when missing (root, as in CI)."""
    found = shutil.which("chromium")
    if found is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        found = shutil.which("chromium")
    assert found, "chromium did not install"
    return found


def console_lines(page, tmp_path) -> tuple[list[str], str]:
    """What headless Chromium logs from the page's console, and the DOM it loaded."""
    run = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'chrome'}", "--enable-logging=stderr", "--v=0",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    return [line for line in run.stderr.splitlines() if ":CONSOLE" in line], run.stdout
