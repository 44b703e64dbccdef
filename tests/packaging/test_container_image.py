"""The container image recipe (deploy/Containerfile). No container engine runs on the test
machines, so the recipe is not built here: these tests check its static properties, and run
what its build stage lays out (scripts/stage-install.sh, the same command) the way the
runtime stage runs it."""

import json
import re
import subprocess
from pathlib import Path

from conftest import BINARY, ROOT, http_get, project_version, serving
from recipe import read_recipe

RECIPE = ROOT / "deploy/Containerfile"


def stages():
    build, runtime = read_recipe(RECIPE)
    return build, runtime


# Verifies the build stage is Debian 12 with the project's own build packages (setup.sh
# --run) and builds the release preset with the revision, then lays out the runtime files.
def test_build_stage_builds_the_release_preset_on_bookworm():
    build, _ = stages()
    assert build.base == "debian:bookworm" and build.name == "build"
    runs = " && ".join(build.all("RUN"))
    assert "scripts/setup.sh --run" in runs
    assert 'cmake --preset release -DPRAETOR_REVISION="$REVISION"' in runs
    assert "cmake --build --preset release --target praetor" in runs
    assert 'grep -qx "praetor $VERSION"' in runs, "the build must stop when VERSION is not the CMake version"
    assert "scripts/stage-install.sh /stage" in runs
    assert build.args()["VERSION"] == project_version()


# Verifies the runtime stage: slim Debian 12, only the derived runtime packages (no -dev
# package), a non-root user, /data as the PREFECT_HOME volume, the UI bundle, the health check
# and the OCI labels from the build arguments.
def test_runtime_stage_is_slim_non_root_with_labels_volume_and_healthcheck():
    _, runtime = stages()
    assert runtime.base == "debian:bookworm-slim"
    apt = " ".join(r for r in runtime.all("RUN") if "apt-get install" in r)
    assert "/tmp/runtime-depends" in apt and "--no-install-recommends" in apt
    assert not re.search(r"\S+-dev\b", apt) and "build-essential" not in apt
    assert "COPY --from=build /stage/usr/share/praetor/runtime-depends /tmp/runtime-depends" in \
        ["COPY " + c for c in runtime.all("COPY")]
    assert "--from=build /stage/usr/ /usr/" in runtime.all("COPY")

    # Numeric, so Kubernetes' runAsNonRoot can check it; the user useradd creates.
    uid, _, gid = runtime.all("USER")[-1].partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid == uid
    (useradd,) = [r for r in runtime.all("RUN") if "useradd" in r]
    assert re.search(rf"useradd --system --uid {uid} [^&]* praetor( |$)", useradd)
    assert "chown praetor:praetor /data" in useradd  # the volume's mount point belongs to the user
    assert runtime.all("VOLUME") == ["/data"]
    env = runtime.key_values("ENV")
    assert env["PREFECT_HOME"] == "/data"
    assert env["PRAETOR_PREFECT_PACKAGE_DIR"] == "/usr/share/praetor/prefect"
    assert env["PREFECT_SERVER_API_HOST"] == "0.0.0.0"

    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert re.search(r"CMD curl -fsS \"http://127\.0\.0\.1:\$\{PREFECT_SERVER_API_PORT\}/api/health\"", healthcheck)
    assert "curl" in apt.split()

    labels = runtime.key_values("LABEL")
    assert labels["org.opencontainers.image.version"] == "$VERSION"
    assert labels["org.opencontainers.image.revision"] == "$REVISION"
    assert runtime.args() == {"VERSION": project_version(), "REVISION": "unknown"}
    assert json.loads(runtime.all("ENTRYPOINT")[0]) == ["praetor"]
    assert json.loads(runtime.all("CMD")[0]) == ["server", "start"]


# Verifies the build context leaves out the local builds and virtualenvs (gigabytes).
def test_build_context_excludes_local_builds():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"build/", ".venv", ".git", ".tools/"} <= set(ignored)


def package_of(library: str) -> str:
    out = subprocess.run(["dpkg", "-S", library], capture_output=True, text=True)
    if out.returncode != 0:  # /lib is a symlink to /usr/lib on Debian 12: dpkg knows one name
        alt = library.replace("/usr/lib/", "/lib/", 1) if library.startswith("/usr/lib/") \
            else library.replace("/lib/", "/usr/lib/", 1)
        out = subprocess.run(["dpkg", "-S", alt], capture_output=True, text=True, check=True)
    return out.stdout.split(":")[0]


def dependency_closure(roots: set[str]) -> set[str]:
    """Every installed package the roots pull in (Depends, Pre-Depends), virtual names
    resolved through Provides, as apt would resolve them in the image."""
    table = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n"],
                           capture_output=True, text=True, check=True).stdout
    depends, providers = {}, {}
    for line in table.splitlines():
        name, provides, deps = line.split("\t")
        depends[name] = [alt.split()[0].split(":")[0] for d in deps.split(",") if d.strip()
                         for alt in [d.split("|")[0].strip()]]
        for p in provides.split(","):
            if p.strip():
                providers.setdefault(p.split()[0], []).append(name)
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        for real in ([name] if name in depends else providers.get(name, [])):
            if real not in seen:
                seen.add(real)
                todo.extend(depends.get(real, []))
    return seen


# Verifies the runtime package list (derived from the binary by dpkg-shlibdeps) covers every
# shared library `ldd` resolves for the binary, directly or through those packages' own
# dependencies, so the slim image has them all.
def test_runtime_packages_cover_every_library_ldd_needs(staged_root):
    ldd = subprocess.run(["ldd", str(BINARY)], capture_output=True, text=True, check=True).stdout
    assert "not found" not in ldd
    libraries = re.findall(r"=> (/\S+)", ldd)
    assert len(libraries) > 10
    depends = (staged_root / "usr/share/praetor/runtime-depends").read_text()
    listed = {entry.split()[0] for entry in depends.split(",")}
    assert {"libpq5", "libsqlite3-0", "libssl3", "libboost-json1.81.0", "tzdata"} <= listed
    covered = dependency_closure(listed)
    missing = {lib: package_of(lib) for lib in libraries if package_of(lib) not in covered}
    assert not missing, f"libraries whose packages the runtime list does not pull in: {missing}"
    staged_ldd = subprocess.run(["ldd", str(staged_root / "usr/bin/praetor")], capture_output=True, text=True).stdout
    assert sorted(re.findall(r"=> (/\S+)", staged_ldd)) == sorted(libraries)


# Verifies the runtime stage's install command, run as written against the staged package list
# in apt's simulation mode (this machine is Debian 12 too): every name resolves, the virtual
# ones (libspdlog1.10-fmt9) included.
def test_runtime_install_command_resolves_with_apt(staged_root):
    _, runtime = stages()
    (apt,) = [r for r in runtime.all("RUN") if "apt-get install" in r]
    install = re.search(r"(DEBIAN_FRONTEND=\S+ apt-get install .*?) &&", apt).group(1)
    install = install.replace("apt-get install", "apt-get install --simulate", 1)
    install = install.replace("/tmp/runtime-depends", str(staged_root / "usr/share/praetor/runtime-depends"))
    out = subprocess.run(["sh", "-c", install], capture_output=True, text=True)
    assert out.returncode == 0 and "\nE:" not in out.stdout + out.stderr, out.stdout[-2000:] + out.stderr


# Verifies the runtime file list: the staged binary, run as the image runs it (PREFECT_HOME a
# fresh directory, the UI bundle from /usr/share/praetor/prefect), serves the API and the UI.
def test_staged_runtime_files_serve_api_and_ui(staged_root, tmp_path):
    bundle = staged_root / "usr/share/praetor/prefect"
    assert (bundle / "__init__.py").exists()
    assert (bundle / "server/ui/index.html").exists() and (bundle / "server/ui-v2/index.html").exists()
    assert (bundle / "server/collection_blocks_data.json").exists()
    assert (staged_root / "usr/bin/praetor").stat().st_size < BINARY.stat().st_size  # debug info stripped
    with serving(staged_root / "usr/bin/praetor", tmp_path / "data",
                 {"PRAETOR_PREFECT_PACKAGE_DIR": str(bundle)}) as base:
        assert http_get(f"{base}/api/health") == (200, b"true")
        assert http_get(f"{base}/api/ready")[0] == 200
        status, body = http_get(f"{base}/ui-settings")
        settings = json.loads(body)
        assert status == 200 and settings["available_uis"], settings
        status, page = http_get(f"{base}/v2/", {"Accept": "text/html"})
        assert status == 200 and b"<html" in page.lower()
    assert (tmp_path / "data/ui_build").is_dir()  # the UI copy goes to PREFECT_HOME, not the bundle


# Verifies `praetor version` names the CMake version and the source revision (git describe
# of the build's tree, or -DPRAETOR_REVISION).
def test_version_prints_version_and_revision():
    out = subprocess.run([str(BINARY), "version"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == f"praetor {project_version()}"
    revision = out[1].removeprefix("revision: ")
    assert out[1].startswith("revision: ") and re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?|unknown", revision)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0 and revision != "unknown":
        # The binary may predate the last commit; the revision must name a commit of this repository.
        sha = revision.removesuffix("-dirty")
        assert subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{sha}^{{commit}}"]).returncode == 0


# Verifies the revision header: -DPRAETOR_REVISION wins, a tree without git says "unknown",
# and an unchanged revision leaves the header untouched (no rebuild after every build).
def test_revision_header_generation(tmp_path):
    def generate(revision: str, source: Path) -> str:
        out = tmp_path / "praetor_revision.h"
        subprocess.run(["cmake", f"-DREVISION={revision}", f"-DSOURCE_DIR={source}", f"-DOUT={out}",
                        "-P", str(ROOT / "cmake/praetor_revision.cmake")], check=True)
        return out.read_text()

    assert '#define PRAETOR_REVISION "0123456789ab"' in generate("0123456789ab", ROOT)
    header = tmp_path / "praetor_revision.h"
    before = header.stat().st_mtime_ns
    generate("0123456789ab", ROOT)
    assert header.stat().st_mtime_ns == before
    no_git = tmp_path / "no-git"
    no_git.mkdir()
    assert '#define PRAETOR_REVISION "unknown"' in generate("", no_git)
