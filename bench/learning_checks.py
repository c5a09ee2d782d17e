"""Do the suite's learning checks fail on a broken GAN? Runs every family's CI learning check
twice: as written, and with G's adversarial loss sign flipped in every model (bench/sabotage.py).
Prints one line per check and exits 1 unless every check passes as written and fails broken.

    python bench/learning_checks.py            # both runs, about 6 minutes each on 2 cores
    python bench/learning_checks.py --broken   # only the broken run
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [
    "plugins/ganzoo-vanilla/tests/test_vanilla.py::test_vanilla_covers_the_ring",
    "plugins/ganzoo-wgan/tests/test_wgan.py::test_wgan_gp_learns_the_ring",
    "plugins/ganzoo-wgan/tests/test_wgan.py::test_wgan_clipping_learns_the_ring",
    "plugins/ganzoo-dcgan/tests/test_dcgan.py::test_dcgan_learns_digits",
    "plugins/ganzoo-cgan/tests/test_cgan.py::test_samples_are_recognised_as_the_class_asked_for",
    "plugins/ganzoo-stylegan-lite/tests/test_stylegan_lite_learns.py::test_stylegan_lite_learns_digits",
    "plugins/ganzoo-cyclegan/tests/test_cyclegan.py::test_cyclegan_learns_to_translate_sketches_into_photos_and_back",
]


def outcomes(broken: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *(["-p", "sabotage"] if broken else []),
            *CHECKS]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        for word in ("PASSED", "FAILED"):
            if line.startswith(word + " "):
                test, _, why = line.split(" ", 1)[1].partition(" - ")
                found[test] = word.lower() + (f" ({why[:90]})" if why else "")
    return found


def main() -> int:
    runs = {"broken": outcomes(True)} if "--broken" in sys.argv else {"as written": outcomes(False),
                                                                      "broken": outcomes(True)}
    ok = True
    for check in sorted(set().union(*runs.values())):
        cells = [f"{name}: {run.get(check, 'missing')}" for name, run in runs.items()]
        ok &= runs.get("as written", {}).get(check, "passed") == "passed" and \
            runs["broken"].get(check, "").startswith("failed")
        print(f"{check.split('::')[-1]:70s} " + "  ".join(cells))
    print("every check passes as written and fails on a broken GAN" if ok else "NOT every check tells a broken GAN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
