"""Build the Neuroplay installers: what `make package` runs.

    .venv/bin/python packaging/build.py [--skip-pyinstaller] [--no-deb] [--no-tar]

Every platform: PyInstaller freezes the app into build/pyinstaller/dist/neuroplay (one
folder; Neuroplay.app next to it on macOS). Linux then writes to dist/:
    neuroplay_<version>_<arch>.deb           (dpkg-deb, xz)
    neuroplay-<version>-linux-<machine>.tar.xz (xz, with INSTALL.txt)
Windows and macOS: see packaging/README.md for the Inno Setup and .dmg steps.
The version comes from pyproject.toml, the only place it is written.
"""

from __future__ import annotations

import argparse
import io
import platform
import subprocess
import sys
import tarfile
import time
import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "neuroplay.spec"
WORK = ROOT / "build" / "pyinstaller"
ONEDIR = WORK / "dist" / "neuroplay"
DIST = ROOT / "dist"

sys.path.insert(0, str(ROOT / "packaging"))
from deb import PackagingError, build_deb  # noqa: E402 - packaging/ is not a package

INSTALL_NOTE = """\
Neuroplay {version} for Linux ({machine})
======================================

Neuroplay is self-contained: Python, Qt, NumPy and pyqtgraph are inside this folder.

Run it where it is:
    ./neuroplay
Check it works (opens the window offscreen, trains, saves a screenshot):
    ./neuroplay --smoke-test

Install for everyone (the .deb does all of this for you on Debian and Ubuntu):
    sudo cp -a . /opt/neuroplay
    sudo ln -sf /opt/neuroplay/neuroplay /usr/bin/neuroplay
    sudo cp share/neuroplay.desktop /usr/share/applications/
    sudo cp share/icons/neuroplay.svg /usr/share/icons/hicolor/scalable/apps/
    sudo cp share/mime/neuroplay.xml /usr/share/mime/packages/
    sudo update-mime-database /usr/share/mime
    sudo update-desktop-database /usr/share/applications
Session files named *.neuroplay.json then open in Neuroplay with a double click.
Uninstall:
    sudo rm -rf /opt/neuroplay /usr/bin/neuroplay /usr/share/applications/neuroplay.desktop \\
        /usr/share/icons/hicolor/scalable/apps/neuroplay.svg /usr/share/mime/packages/neuroplay.xml
    sudo update-mime-database /usr/share/mime

System libraries Qt needs (present on any desktop; on a minimal Debian/Ubuntu install):
    sudo apt install {apt_packages}
It needs glibc {glibc} or newer (Debian 12, Ubuntu 22.10 or later when built here).
"""


def project_version() -> str:
    """The version in pyproject.toml; the installed metadata must agree (frozen apps read it)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    try:
        installed = installed_version("neuroplay")
    except PackageNotFoundError:
        installed = None
    if installed != version:
        raise PackagingError(
            f"pyproject.toml says version {version} but the installed neuroplay metadata says "
            f"{installed}; run `.venv/bin/python -m pip install -e .` (make package does it)")
    return version


def run_pyinstaller() -> None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise PackagingError("PyInstaller is not installed: run `make package`, which installs "
                             "the [package] extra, or pip install -e '.[package]'") from None
    icons = ROOT / "resources" / "icons"
    missing = [n for n in ("neuroplay.ico", "neuroplay.icns", "neuroplay-256.png")
               if not (icons / n).is_file()]
    if missing:
        raise PackagingError(f"icons missing ({', '.join(missing)}): run "
                             "`.venv/bin/python packaging/make_icons.py`")
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(WORK / "dist"), "--workpath", str(WORK / "work"),
                    str(SPEC)], check=True, cwd=ROOT)


def build_tarball(onedir: Path, version: str, out_dir: Path, depends: str) -> Path:
    """neuroplay-<version>-linux-<machine>.tar.xz: the onedir, INSTALL.txt, desktop entry,
    MIME type and icon."""
    machine = platform.machine()
    top = f"neuroplay-{version}"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"neuroplay-{version}-linux-{machine}.tar.xz"
    for old in out_dir.glob(f"neuroplay-{version}-linux-{machine}.tar.gz"):
        old.unlink()  # an earlier build's gzip archive would pass for this one
    glibc = depends.split("(>= ", 1)[1].split(")", 1)[0] if "(>= " in depends else "?"
    apt = " ".join(p.split(" | ")[-1] for p in depends.split(", ")[1:])
    note = INSTALL_NOTE.format(version=version, machine=machine, apt_packages=apt, glibc=glibc)

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    # xz -6 (its default): 41 MB where gzip -9 made 59 MB (README); -9 takes far longer.
    with tarfile.open(path, "w:xz", preset=6) as tar:
        tar.add(onedir, arcname=top, filter=owned_by_root)
        extras = {"INSTALL.txt": note.encode(),
                  "share/neuroplay.desktop": (ROOT / "resources/neuroplay.desktop").read_bytes(),
                  "share/mime/neuroplay.xml": (ROOT / "resources/neuroplay-mime.xml").read_bytes(),
                  "share/icons/neuroplay.svg":
                      (ROOT / "resources/icons/neuroplay.svg").read_bytes()}
        for name, data in extras.items():
            info = owned_by_root(tarfile.TarInfo(f"{top}/{name}"))
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Neuroplay installers.")
    parser.add_argument("--skip-pyinstaller", action="store_true",
                        help="reuse the frozen app already in build/pyinstaller/dist")
    parser.add_argument("--no-deb", action="store_true", help="do not build the .deb")
    parser.add_argument("--no-tar", action="store_true", help="do not build the .tar.xz")
    args = parser.parse_args(argv)
    try:
        version = project_version()
        started = time.perf_counter()
        if not args.skip_pyinstaller:
            run_pyinstaller()
            print(f"PyInstaller: {time.perf_counter() - started:.0f} s -> {ONEDIR}")
        if not sys.platform.startswith("linux"):
            print("Frozen app built. Installers for this OS: see packaging/README.md")
            return 0
        if not (ONEDIR / "neuroplay").is_file():
            raise PackagingError(f"no frozen app in {ONEDIR}: run without --skip-pyinstaller")
        from deb import depends_field

        built = []
        if not args.no_deb:
            built.append(build_deb(ONEDIR, version, DIST))
        if not args.no_tar:
            built.append(build_tarball(ONEDIR, version, DIST, depends_field(ONEDIR)))
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"error: {' '.join(map(str, exc.cmd))} failed (exit {exc.returncode})",
              file=sys.stderr)
        return 1
    unpacked = sum(p.lstat().st_size for p in ONEDIR.rglob("*") if not p.is_dir())
    print(f"frozen app: {unpacked / 1e6:.1f} MB unpacked")
    for path in built:
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.1f} MB")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
