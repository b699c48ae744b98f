"""`make test`: the whole suite as two pytest processes at once, one result.

The end-to-end stack tests (tests/infra/test_stack.py: `recovery up` as a subprocess, killed
workers, a database away for a minute) spend most of their time waiting on processes and
clocks, not on the CPU; run one after the other with the rest, the suite took about 19 of
CI's 20 minutes. Here they run in a second pytest process beside the rest, and so do the
browser tests (tests/browser: headless Chromium on one `recovery up` stack, which also waits
on the demo's clock more than it works); their output is kept in a file and printed after the
main run, and the exit status is the worse of the two. The burst of tests/api/test_burst.py runs there too
(it balances the two halves: ~13 minutes each in CI).

The side runs its pytests one after the other (`SIDE_RUNS`): the browser tests in a pytest of their own.
`RECOVERY_TEST_SERIAL=1` runs one pytest over everything but the browser tests, then those. Arguments are
passed to every pytest (and `PYTEST_ADDOPTS` reaches them all through the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

# What runs beside the rest: pytest runs, one after the other. The browser tests get a pytest of their own:
# playwright's sync API keeps its own event loop, which the async fixtures of a later test in the same
# process would trip over ("Runner.run() cannot be called from a running event loop").
SIDE_RUNS: tuple[tuple[str, ...], ...] = (("tests/infra/test_stack.py", "tests/api/test_burst.py"), ("tests/browser",))
SIDE = tuple(path for run in SIDE_RUNS for path in run)


def _worst(codes: list[int]) -> int:
    """One exit status: the first failure; pytest's 5 ("no tests collected", which a filter passed in argv can
    make of any run) only when nothing ran at all."""
    failed = [rc for rc in codes if rc not in (0, 5)]
    if failed:
        return failed[0]
    return 0 if 0 in codes else 5


def main(argv: list[str]) -> int:
    py = [sys.executable, "-m", "pytest", "-q", *argv]
    browser = SIDE_RUNS[-1]
    if os.environ.get("RECOVERY_TEST_SERIAL", "").lower() in ("1", "true", "yes"):
        first = subprocess.call([*py, *(f"--ignore={path}" for path in browser)])
        return _worst([first, subprocess.call([*py, "-p", "no:cacheprovider", *browser])])
    started = time.monotonic()
    side_codes: list[int] = []
    current: list[subprocess.Popen[bytes]] = []
    stop = threading.Event()

    def side(out: IO[bytes]) -> None:
        for run in SIDE_RUNS:
            if stop.is_set():
                return
            proc = subprocess.Popen([*py, "-p", "no:cacheprovider", *run], stdout=out, stderr=subprocess.STDOUT)
            current[:] = [proc]
            side_codes.append(proc.wait())

    with tempfile.TemporaryDirectory(prefix="recovery-tests-") as tmp:
        log = Path(tmp) / "stack.log"
        with log.open("wb") as out:
            thread = threading.Thread(target=side, args=(out,), daemon=True)
            thread.start()
            try:
                main_rc = subprocess.call([*py, *(f"--ignore={path}" for path in SIDE)])
            except KeyboardInterrupt:
                stop.set()
                for proc in current:
                    proc.terminate()
                    proc.wait()
                raise
            thread.join()
        print(f"\n===== {' '.join(SIDE)} (run beside the rest; {time.monotonic() - started:.0f}s in all) =====",
              flush=True)
        sys.stdout.write(log.read_text(errors="replace"))
    side_rc = _worst(side_codes)
    print(f"\nmain run: exit {main_rc}; {' '.join(SIDE)}: exit {side_rc} ({side_codes})", flush=True)
    return _worst([main_rc, side_rc])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
