"""`make test`: the whole suite as two pytest processes at once, one result.

The end-to-end stack tests (tests/infra/test_stack.py: `recovery up` as a subprocess, killed
workers, a database away for a minute) spend most of their time waiting on processes and
clocks, not on the CPU; run one after the other with the rest, the suite took about 19 of
CI's 20 minutes. Here they run in a second pytest process beside the rest, and so do the
browser tests (tests/browser: headless Chromium on one `recovery up` stack, which also waits
on the demo's clock more than it works); their output is kept in a file and printed after the
main run, and the exit status is the worse of the two.

`RECOVERY_TEST_SERIAL=1` runs one pytest over everything, as before. Arguments are passed to
both processes (and `PYTEST_ADDOPTS` reaches both through the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIDE = ("tests/infra/test_stack.py", "tests/browser", "tests/api/test_burst.py")  # (balanced: ~13 min each)


def main(argv: list[str]) -> int:
    py = [sys.executable, "-m", "pytest", "-q", *argv]
    if os.environ.get("RECOVERY_TEST_SERIAL", "").lower() in ("1", "true", "yes"):
        return subprocess.call(py)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="recovery-tests-") as tmp:
        log = Path(tmp) / "stack.log"
        with log.open("wb") as out:
            side = subprocess.Popen([*py, "-p", "no:cacheprovider", *SIDE], stdout=out, stderr=subprocess.STDOUT)
            try:
                main_rc = subprocess.call([*py, *(f"--ignore={path}" for path in SIDE)])
            except KeyboardInterrupt:
                side.terminate()
                side.wait()
                raise
            side_rc = side.wait()
        print(f"\n===== {' '.join(SIDE)} (run beside the rest; {time.monotonic() - started:.0f}s in all) =====",
              flush=True)
        sys.stdout.write(log.read_text(errors="replace"))
    print(f"\nmain run: exit {main_rc}; {' '.join(SIDE)}: exit {side_rc}", flush=True)
    # pytest's 5 means "no tests collected", which a filter passed in argv can make of either half
    codes = [rc for rc in (main_rc, side_rc) if rc not in (0, 5)]
    if codes:
        return codes[0]
    return 0 if 0 in (main_rc, side_rc) else 5


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
