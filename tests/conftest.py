"""Every test process starts as the project's entry points do (startup.prepare)."""

import startup

startup.prepare()
