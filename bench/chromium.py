"""How ScaleKG drives Debian's Chromium headless (tests, the README screenshot, benchmarks).

No Playwright import here: the package works without it; callers pass these to
``playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)``.
"""

import os
import shutil

CHROMIUM = os.environ.get("SCALEKG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium calls out at start, which a closed network refuses.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
