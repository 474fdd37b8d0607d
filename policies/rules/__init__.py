"""One rule per module, grouped by service; every module exposes `RULE` and is found by discovery."""
