""".ci/system-packages.sh on a "fresh machine": a PATH without java, chromium, virtuoso-t, wrk.

The machine's own packages stay installed; the script only ever sees a sandbox PATH holding
bash, a fake ``id`` (root or not) and, when the case wants one, a fake ``apt-get`` that logs its
arguments and "installs" by creating the commands it was asked for.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "system-packages.sh"
COMMANDS = {  # package -> the command it provides
    "default-jre-headless": "java",
    "chromium": "chromium",
    "virtuoso-opensource": "virtuoso-t",
    "wrk": "wrk",
    "poppler-utils": "pdftoppm",
    "make": "make",
}
ALL = list(COMMANDS)


def stub(bin_dir: Path, name: str, body: str = "exit 0") -> None:
    path = bin_dir / name
    path.unlink(missing_ok=True)  # replace a link to a real program, never write through it
    path.write_text(f"#!{shutil.which('bash')}\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A sandbox PATH; returns run(args, root=..., apt=..., present=...) -> CompletedProcess."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to(shutil.which("bash"))
    real_python = Path(sys.executable).resolve()  # a python with venv: python3-venv not asked for
    stub(bin_dir, "python3", f'exec {real_python} "$@"')
    log = tmp_path / "apt.log"
    provides = " ".join(f"{pkg}) touch_cmd {cmd};;" for pkg, cmd in COMMANDS.items())

    def run(*args: str, root: bool, apt: bool = True, present: tuple[str, ...] = ()):
        stub(bin_dir, "id", "echo 0" if root else "echo 1000")
        if apt:
            stub(
                bin_dir,
                "apt-get",
                f'echo "$*" >> {log}\n'
                f"touch_cmd() {{ printf '#!{shutil.which('bash')}\\nexit 0\\n' > {bin_dir}/$1; "
                f"{shutil.which('chmod')} 755 {bin_dir}/$1; }}\n"
                'if [[ "$1" == install ]]; then for p in "$@"; do case "$p" in '
                f"{provides} esac; done; fi",
            )
        for command in present:
            stub(bin_dir, command)
        env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
        return subprocess.run(
            [str(bin_dir / "bash"), str(SCRIPT), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )

    run.log = log
    run.bin_dir = bin_dir
    return run


def apt_calls(machine) -> list[str]:
    return machine.log.read_text().splitlines() if machine.log.exists() else []


def test_nothing_to_do_when_everything_is_there(machine):
    result = machine(root=True, present=tuple(COMMANDS.values()))
    assert result.returncode == 0
    assert result.stdout == result.stderr == ""
    assert apt_calls(machine) == []


def test_as_root_with_apt_it_updates_then_installs_what_is_missing(machine):
    result = machine(root=True)
    assert result.returncode == 0, result.stderr
    calls = apt_calls(machine)
    assert calls[0].startswith("update")
    assert calls[1].startswith("install") and calls[1].split()[-len(ALL) :] == ALL
    for command in COMMANDS.values():
        assert os.access(machine.bin_dir / command, os.X_OK)
    again = machine(root=True)  # now complete: nothing more is installed
    assert again.returncode == 0 and apt_calls(machine) == calls


def test_only_the_missing_packages_are_installed(machine):
    result = machine(root=True, present=("java", "virtuoso-t", "wrk", "pdftoppm", "make"))
    assert result.returncode == 0, result.stderr
    assert apt_calls(machine)[1].split()[-1] == "chromium"
    assert "default-jre-headless" not in apt_calls(machine)[1]


def test_not_root_stops_at_once_with_the_exact_command(machine):
    result = machine(root=False, present=("make", "wrk", "pdftoppm"))
    assert result.returncode == 1
    assert apt_calls(machine) == []
    expected = (
        "sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
        "default-jre-headless chromium virtuoso-opensource'"
    )
    assert expected in result.stderr


def test_without_apt_it_points_at_the_alternatives(machine):
    result = machine(root=True, apt=False)
    assert result.returncode == 1
    assert "no apt-get" in result.stderr and "docs/development.md" in result.stderr


def test_dry_run_changes_nothing(machine):
    result = machine("--dry-run", root=True, present=("java", "make"))
    assert result.returncode == 0
    assert "would run: apt-get update" in result.stdout
    assert "chromium virtuoso-opensource wrk" in result.stdout
    assert apt_calls(machine) == []


def test_a_python_without_venv_gets_python3_venv(machine):
    stub(machine.bin_dir, "python3", "exit 1")  # `import ensurepip` fails, as on bare Debian
    result = machine("--dry-run", root=True, present=tuple(COMMANDS.values()))
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("apt-get install -y python3-venv")


@pytest.mark.parametrize("status", [0, 1, 5])
def test_ci_run_passes_on_make_test_status_only(machine, status):
    """.ci/run's status is `make test`'s: pytest's exit 5 (no test collected) is a failure."""
    present = tuple(c for c in COMMANDS.values() if c != "make")
    stub(machine.bin_dir, "dirname", f'exec {shutil.which("dirname")} "$@"')
    for command in present:
        stub(machine.bin_dir, command)
    stub(machine.bin_dir, "make", f'echo "make $*"; exit {status}')
    stub(machine.bin_dir, "id", "echo 1000")
    result = subprocess.run(
        [str(machine.bin_dir / "bash"), str(SCRIPT.parent / "run")],
        env={"PATH": str(machine.bin_dir), "HOME": str(machine.bin_dir)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == status, result.stderr
    assert "make test" in result.stdout
