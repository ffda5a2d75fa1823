"""`make setup`, the real recipe, as root and as a non-root user, on a fresh and on a warm machine.

The Makefile and requirements.txt are copied into a temporary folder and `make setup` runs there
with recording stubs first on PATH for apt-get, sudo and python3 (and the `.venv/bin/python` the
stub `python3 -m venv` creates), so nothing is installed and nothing leaves the machine. The
stubs write one line per call: who ran it (uid), DEBIAN_FRONTEND as the program sees it, and
its arguments. The stub sudo starts its command with an empty environment, as real sudo's
env_reset does, so a DEBIAN_FRONTEND set before sudo would be seen to go missing.

"Fresh" has no chromium, chromedriver, Xvfb, xdotool or import on PATH; "warm" has all of
them. Issue 9 item 1: the old recipe took a branch only a fresh machine takes, and that branch
ran `DEBIAN_FRONTEND=noninteractive` as a command name when root had no sudo prefix.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
APT_PKGS = "chromium chromium-driver xvfb xdotool imagemagick python3-venv python3-tk"
# The only programs the recipe and the stubs may find on PATH besides the stubs: with /usr/bin
# on PATH the real chromium there would make every machine look warm.
TOOLS = ("id", "touch", "env", "mkdir", "cp", "cat")
WARM = ("chromium", "chromedriver", "Xvfb", "xdotool", "import")

RECORD = ('#!/bin/sh\n'
          'echo "{name} uid=$(id -u) DEBIAN_FRONTEND=${{DEBIAN_FRONTEND-unset}} $*" >> {log}\n')
# `python3 -m venv DIR` makes DIR/bin/python, itself a recording stub.
PYTHON3 = ('[ "$1 $2" = "-m venv" ] && mkdir -p "$3/bin" && cp {stubs}/venv-python "$3/bin/python"'
           '\nexit 0\n')
# Real sudo resets the environment (env_reset) and keeps a fixed PATH (secure_path).
SUDO = 'exec env -i PATH={path} "$@"\n'


def drop_to_nobody() -> list[str]:
    """The command prefix that runs a program as uid/gid 65534 with no groups."""
    if shutil.which("setpriv"):
        return [shutil.which("setpriv"), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    if shutil.which("runuser"):
        return [shutil.which("runuser"), "-u", pwd.getpwuid(NOBODY).pw_name, "--"]
    pytest.skip("running as root, but neither setpriv nor runuser is there to drop to uid 65534")


def prefix_for(user: str) -> list[str]:
    if user == "root":
        if os.geteuid() != 0:
            pytest.skip("the root case needs the tests to run as root (as in a container or CI)")
        return []
    return drop_to_nobody() if os.geteuid() == 0 else []


def write_exe(path: Path, text: str) -> None:
    path.write_text(text if text.startswith("#!") else "#!/bin/sh\n" + text)
    path.chmod(0o755)


def run_setup(tmp: Path, user: str, warm: bool) -> list[str]:
    """Run the real `make setup` in a fresh copy of the Makefile; the lines the stubs recorded."""
    prefix = prefix_for(user)
    case = tmp / f"{user}-{'warm' if warm else 'fresh'}"
    stubs, tools, work, log = case / "stubs", case / "tools", case / "work", case / "work" / "calls.log"
    for d in (stubs, tools, work):
        d.mkdir(parents=True)
    for name in TOOLS:
        (tools / name).symlink_to(shutil.which(name))
    path = [stubs, tools]
    if warm:
        (case / "warm").mkdir()
        for name in WARM:
            write_exe(case / "warm" / name, "exit 0\n")
        path.insert(1, case / "warm")
    path = ":".join(map(str, path))
    for name in ("apt-get", "venv-python"):
        write_exe(stubs / name, RECORD.format(name=name, log=log))
    write_exe(stubs / "python3", RECORD.format(name="python3", log=log)
              + PYTHON3.format(stubs=stubs))
    write_exe(stubs / "sudo", RECORD.format(name="sudo", log=log) + SUDO.format(path=path))
    for name in ("Makefile", "requirements.txt"):
        shutil.copy(ROOT / name, work / name)
    log.touch()
    if prefix:
        for p in [work, *work.iterdir()]:
            os.chown(p, NOBODY, NOBODY)
    # A clean environment: no MAKEFLAGS from an outer `make test`, no SUDO, no DEBIAN_FRONTEND.
    env = {"PATH": path, "HOME": str(work), "LC_ALL": "C"}
    proc = subprocess.run([*prefix, shutil.which("make"), "--no-print-directory", "setup"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return log.read_text().splitlines()


@pytest.fixture
def tmp():
    # Not pytest's tmp_path: uid 65534 cannot enter /tmp/pytest-of-root (mode 0700).
    d = Path(tempfile.mkdtemp(prefix="ferkit-make-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("user", ["root", "nobody"])
def test_setup_runs_the_same_command_lines_fresh_or_warm(tmp, user):
    uid = 0 if user == "root" else (NOBODY if os.geteuid() == 0 else os.geteuid())
    # Through sudo apt-get runs with sudo's uid; the stub sudo does not elevate, so it is ours.
    via = [f"sudo uid={uid} DEBIAN_FRONTEND=unset env DEBIAN_FRONTEND=noninteractive apt-get {a}"
           for a in ("update", f"install -y {APT_PKGS}")] if uid else [None, None]
    apt = [f"apt-get uid={uid} DEBIAN_FRONTEND=noninteractive {a}"
           for a in ("update", f"install -y {APT_PKGS}")]
    expected = [line for pair in zip(via, apt) for line in pair if line] + [
        f"python3 uid={uid} DEBIAN_FRONTEND=unset -m venv .venv",
        f"venv-python uid={uid} DEBIAN_FRONTEND=unset -m pip install -q --upgrade pip",
        f"venv-python uid={uid} DEBIAN_FRONTEND=unset -m pip install -q -r requirements.txt",
    ]
    fresh = run_setup(tmp, user, warm=False)
    assert fresh == expected
    assert run_setup(tmp, user, warm=True) == fresh

