"""The Debian package (scripts/package-deb.sh): its metadata and contents (dpkg-deb), its
systemd unit (systemd-analyze verify and security), and a real `dpkg -i` whose installed
binary, run as the unit runs it, serves; then `dpkg --purge` leaves nothing behind.
Installing needs root and a machine where no systemd runs as PID 1 (postinst would start the
service for real) and no praetor package is installed; elsewhere the package is extracted
with `dpkg-deb -x` and the extracted binary is run instead. No systemd runs on the test
machines, so the unit itself is not started here."""

import os
import pwd
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BINARY, ROOT, http_get, project_version, serving

UNIT = ROOT / "deploy/debian/praetor.service"


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    out = subprocess.run([str(ROOT / "scripts/package-deb.sh"), str(BINARY), str(tmp_path_factory.mktemp("deb"))],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


def unit_settings(text: str) -> dict[str, list[str]]:
    """Key → every value it is given in the unit (systemd keys may repeat)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True,
                          check=True).stdout.strip()


# Verifies the control fields: name, version, the runtime library packages as Depends.
def test_package_metadata(deb):
    assert deb.name == f"praetor_{project_version()}_{field(deb, 'Architecture')}.deb"
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert re.search(rf"\b{script}\b", info), script
    assert field(deb, "Package") == "praetor" and field(deb, "Version") == project_version()
    depends = [d.split()[0] for d in field(deb, "Depends").split(",")]
    for package in ("libc6", "libstdc++6", "libpq5", "libsqlite3-0", "libssl3", "libboost-json1.81.0",
                    "libfmt9", "libdate-tz3", "tzdata", "adduser"):
        assert package in depends, package
    assert any(d.startswith("libspdlog1.10") for d in depends)


# Verifies the files: the binary, the unit, the settings file (a root-only conffile: it may
# hold the database password), the UI bundle, and nothing from the build tree.
def test_package_contents(deb):
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    entries = {line.split()[-1].removeprefix("."): line.split()[0] for line in listing.splitlines()}
    assert entries["/usr/bin/praetor"] == "-rwxr-xr-x"
    assert entries["/lib/systemd/system/praetor.service"] == "-rw-r--r--"
    assert entries["/etc/praetor/praetor.env"] == "-rw-------"
    assert entries["/usr/share/praetor/prefect/server/ui/index.html"] == "-rw-r--r--"
    assert entries["/usr/share/praetor/prefect/server/ui-v2/index.html"] == "-rw-r--r--"
    assert all("root/root" in line for line in listing.splitlines())
    assert not [p for p in entries if "/build/" in p or p.endswith("runtime-depends")]
    conffiles = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True).stdout
    assert b"/etc/praetor/praetor.env" in conffiles


# Verifies the unit's contract (user, state, settings file) and its hardening, with
# systemd-analyze's own exposure score ("OK" is below 5; this unit scores about 1.4).
def test_unit_is_hardened():
    s = unit_settings(UNIT.read_text())
    assert s["User"] == ["praetor"] and s["StateDirectory"] == ["praetor"]
    assert "PREFECT_HOME=/var/lib/praetor" in s["Environment"]
    assert "PRAETOR_PREFECT_PACKAGE_DIR=/usr/share/praetor/prefect" in s["Environment"]
    assert s["EnvironmentFile"] == ["/etc/praetor/praetor.env"]
    assert s["ExecStart"] == ["/usr/bin/praetor server start"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "PrivateDevices": "yes", "RestrictSUIDSGID": "yes",
                       "MemoryDenyWriteExecute": "yes", "CapabilityBoundingSet": ""}.items():
        assert s[key] == [value], key
    out = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)],
                         capture_output=True, text=True)
    score = float(re.search(r"Overall exposure level for praetor.service: ([0-9.]+)", out.stdout).group(1))
    assert score <= 2.0, out.stdout[-2000:]


def can_install_here() -> bool:
    installed = subprocess.run(["dpkg-query", "-W", "praetor"], capture_output=True).returncode == 0
    return os.geteuid() == 0 and not installed and not Path("/run/systemd/system").exists()


def dpkg(*args: str) -> subprocess.CompletedProcess:
    """dpkg, waiting up to two minutes for the lock an apt or dpkg run elsewhere may hold."""
    deadline = time.monotonic() + 120
    while True:
        out = subprocess.run(["dpkg", *args], capture_output=True, text=True)
        if out.returncode == 0 or "lock" not in out.stderr or time.monotonic() > deadline:
            return out
        time.sleep(1)


def unit_environment(unit_text: str, env_file: Path) -> dict[str, str]:
    """The environment systemd gives ExecStart: Environment= lines, then EnvironmentFile=
    (whose values win)."""
    env = dict(kv.split("=", 1) for kv in unit_settings(unit_text)["Environment"])
    for line in env_file.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


# Verifies the package installs with dpkg -i (postinst creates the praetor user), its unit
# passes systemd-analyze verify, the installed binary run as the unit runs it (as praetor,
# its environment, state in /var/lib/praetor) serves the API and the UI, and dpkg --purge
# removes the files, the settings and the state.
def test_package_installs_verifies_and_serves(deb, tmp_path):
    if not can_install_here():
        extracted = tmp_path / "root"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
        env = unit_environment(UNIT.read_text(), extracted / "etc/praetor/praetor.env")
        env["PRAETOR_PREFECT_PACKAGE_DIR"] = str(extracted / "usr/share/praetor/prefect")
        with serving(extracted / "usr/bin/praetor", tmp_path / "state", env) as base:
            assert http_get(f"{base}/api/health") == (200, b"true")
        return

    user_existed = subprocess.run(["getent", "passwd", "praetor"], capture_output=True).returncode == 0
    try:
        installed = dpkg("-i", str(deb))
        assert installed.returncode == 0, installed.stdout + installed.stderr
        praetor = pwd.getpwnam("praetor")
        assert praetor.pw_dir == "/var/lib/praetor" and praetor.pw_shell == "/usr/sbin/nologin"
        assert oct(Path("/etc/praetor/praetor.env").stat().st_mode & 0o777) == "0o600"
        verify = subprocess.run(["systemd-analyze", "verify", "/lib/systemd/system/praetor.service"],
                                capture_output=True, text=True)
        assert verify.returncode == 0 and not verify.stdout.strip() and not verify.stderr.strip(), verify

        # What systemd does before ExecStart: StateDirectory (owned by the user, 0700), then
        # the command as the user with the unit's environment; only the port is ours.
        state = Path("/var/lib/praetor")
        state.mkdir(mode=0o700, exist_ok=True)
        os.chown(state, praetor.pw_uid, praetor.pw_gid)
        unit_text = Path("/lib/systemd/system/praetor.service").read_text()
        env = unit_environment(unit_text, Path("/etc/praetor/praetor.env"))
        command = shlex.split(unit_settings(unit_text)["ExecStart"][0])
        setpriv = ["setpriv", f"--reuid={praetor.pw_uid}", f"--regid={praetor.pw_gid}", "--init-groups"]
        with serving(Path(command[0]), state, env, wrapper=setpriv, args=command[1:],
                     log_path=tmp_path / "server.log") as base:
            assert http_get(f"{base}/api/health") == (200, b"true")
            assert http_get(f"{base}/api/ready")[0] == 200
            status, page = http_get(f"{base}/v2/", {"Accept": "text/html"})
            assert status == 200 and b"<html" in page.lower()
        assert (state / "praetor.db").stat().st_uid == praetor.pw_uid
        assert oct((state / "praetor.db").stat().st_mode & 0o777) == "0o600"
    finally:
        purged = dpkg("--purge", "praetor")
        if not user_existed:
            subprocess.run(["userdel", "praetor"], capture_output=True)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    for gone in ("/usr/bin/praetor", "/lib/systemd/system/praetor.service", "/etc/praetor", "/var/lib/praetor"):
        assert not Path(gone).exists(), gone
