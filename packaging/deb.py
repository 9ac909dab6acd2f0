"""Wrap the PyInstaller onedir as a Debian package (.deb), compressed with xz.

Layout: the app under /opt/neuroplay, a /usr/bin/neuroplay symlink, the .desktop entry in
/usr/share/applications, the session files' MIME type in /usr/share/mime/packages and the
icons in /usr/share/icons/hicolor. Depends lists the system
libraries the bundle links against but does not carry (see SONAME_PACKAGES); the build fails
when the bundle needs a library that table does not know, so Depends never silently misses one.

    python packaging/deb.py ONEDIR VERSION OUT_DIR     (packaging/build.py calls build_deb)
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
DESKTOP_FILE = ROOT / "resources" / "neuroplay.desktop"
MIME_FILE = ROOT / "resources" / "neuroplay-mime.xml"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
PACKAGE = "neuroplay"
INSTALL_DIR = "opt/neuroplay"
MAINTAINER = "Neuroplay maintainers <maintainers@neuroplay.invalid>"
SUMMARY = "build small neural networks and watch them learn"
DESCRIPTION = """\
Neuroplay is a classroom playground for neural networks. Pick a 2-D data set,
shape a small network, press play and watch the weights, the loss curves and
the decision boundary change as it learns. Self-contained: Python, Qt, NumPy
and pyqtgraph are bundled."""

# glibc's libraries: covered by "libc6 (>= the newest GLIBC_x.y symbol version used)".
GLIBC_SONAMES = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
                 "libutil.so.1", "libresolv.so.2", "ld-linux-x86-64.so.2",
                 "ld-linux-aarch64.so.1"}
# Shared libraries the spec leaves to the system -> the Debian package providing each.
# "a | b": Debian 13 / Ubuntu 24.04 renamed some packages (the 64-bit time_t "t64" move).
SONAME_PACKAGES = {
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libglib-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgmodule-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libpng16.so.16": "libpng16-16t64 | libpng16-16",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbz2.so.1.0": "libbz2-1.0",
    "libexpat.so.1": "libexpat1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

# The MIME database needs no script: shared-mime-info's dpkg trigger on
# /usr/share/mime/packages runs update-mime-database after install and removal.
POSTINST = """\
#!/bin/sh
# Refresh the menu and icon caches so Neuroplay shows up at once. DPKG_ROOT is set when
# dpkg installs into another root without chroot (--force-script-chrootless); else empty.
set -e
if [ "$1" = "configure" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DPKG_ROOT/usr/share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$DPKG_ROOT/usr/share/icons/hicolor" || true
    fi
fi
exit 0
"""
POSTRM = """\
#!/bin/sh
# Drop Neuroplay from the menu and icon caches; dpkg has removed the files by now.
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DPKG_ROOT/usr/share/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 \\
            && [ -d "$DPKG_ROOT/usr/share/icons/hicolor" ]; then
        gtk-update-icon-cache -q -t -f "$DPKG_ROOT/usr/share/icons/hicolor" || true
    fi
fi
exit 0
"""
COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: neuroplay

Files: *
License: MIT
Comment: Bundles CPython (PSF-2.0), Qt 6 and PySide6 (LGPL-3.0), NumPy and OpenBLAS
 (BSD-3-Clause) and pyqtgraph (MIT); their licence files are in /opt/neuroplay/_internal.
"""


class PackagingError(RuntimeError):
    """The package cannot be built; the message says why and what to do."""


def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED sonames of one ELF file (via binutils' readelf); [] for non-ELF files."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return []
    try:
        out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                             check=True).stdout
    except FileNotFoundError as exc:
        raise PackagingError("readelf is missing: install binutils") from exc
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def system_libraries(onedir: Path) -> tuple[set[str], str]:
    """Sonames the bundle needs but does not carry, and the newest GLIBC_x.y it uses."""
    files = [p for p in onedir.rglob("*") if p.is_file() and not p.is_symlink()]
    carried = {p.name for p in onedir.rglob("*")}
    needed: set[str] = set()
    newest = (2, 17)
    for path in files:
        sonames = elf_needed(path)
        if not sonames:
            continue
        needed.update(sonames)
        for major, minor in re.findall(rb"GLIBC_(\d+)\.(\d+)", path.read_bytes()):
            newest = max(newest, (int(major), int(minor)))
    return needed - carried, f"{newest[0]}.{newest[1]}"


def depends_field(onedir: Path) -> str:
    """The Depends line for the bundle: libc6 (>= its glibc) and every system library."""
    missing, glibc = system_libraries(onedir)
    unknown = sorted(s for s in missing if s not in GLIBC_SONAMES and s not in SONAME_PACKAGES)
    if unknown:
        raise PackagingError(
            "the bundle needs system libraries packaging/deb.py has no package for: "
            + ", ".join(unknown) + ". Add them to SONAME_PACKAGES (dpkg -S NAME tells the "
            "package) or bundle them from packaging/neuroplay.spec.")
    packages = sorted({SONAME_PACKAGES[s] for s in missing if s in SONAME_PACKAGES})
    return ", ".join([f"libc6 (>= {glibc})", *packages])


def debian_arch() -> str:
    try:
        return subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        raise PackagingError("dpkg is missing: .deb packages are built on Debian or Ubuntu") \
            from exc


def control_text(version: str, arch: str, depends: str, installed_kib: int) -> str:
    """DEBIAN/control; the long description's lines start with a space, as dpkg wants."""
    long_lines = "\n".join(" " + line for line in DESCRIPTION.splitlines())
    return (f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {arch}\n"
            f"Maintainer: {MAINTAINER}\nInstalled-Size: {installed_kib}\n"
            f"Depends: {depends}\nSection: education\nPriority: optional\n"
            f"Description: {SUMMARY}\n{long_lines}\n")


def normalise_modes(root: Path) -> None:
    """Folders 0755, executables 0755, other files 0644: what dpkg and lintian expect."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        executable = path.is_dir() or mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def stage(onedir: Path, version: str, staging: Path, arch: str) -> None:
    """Lay out the package's files under `staging` (the future /)."""
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(onedir, staging / INSTALL_DIR, symlinks=True)
    (staging / "usr/bin").mkdir(parents=True)
    # Absolute, as Debian policy asks for links between top-level folders.
    (staging / "usr/bin/neuroplay").symlink_to(f"/{INSTALL_DIR}/neuroplay")
    applications = staging / "usr/share/applications"
    applications.mkdir(parents=True)
    shutil.copy2(DESKTOP_FILE, applications / "neuroplay.desktop")
    mime = staging / "usr/share/mime/packages"
    mime.mkdir(parents=True)
    shutil.copy2(MIME_FILE, mime / "neuroplay.xml")
    hicolor = staging / "usr/share/icons/hicolor"
    for size in ICON_SIZES:
        target = hicolor / f"{size}x{size}/apps"
        target.mkdir(parents=True)
        shutil.copy2(ICON_DIR / f"neuroplay-{size}.png", target / "neuroplay.png")
    (hicolor / "scalable/apps").mkdir(parents=True)
    shutil.copy2(ICON_DIR / "neuroplay.svg", hicolor / "scalable/apps/neuroplay.svg")
    doc = staging / "usr/share/doc/neuroplay"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT)
    normalise_modes(staging)

    debian = staging / "DEBIAN"
    debian.mkdir()
    installed_kib = sum(p.lstat().st_size for p in staging.rglob("*")) // 1024 + 1
    (debian / "control").write_text(
        control_text(version, arch, depends_field(onedir), installed_kib))
    for name, text in (("postinst", POSTINST), ("postrm", POSTRM)):
        (debian / name).write_text(text)
        (debian / name).chmod(0o755)
    debian.chmod(0o755)


def build_deb(onedir: Path, version: str, out_dir: Path, work_dir: Path | None = None) -> Path:
    """Build neuroplay_<version>_<arch>.deb from the onedir into out_dir; return its path."""
    if not (onedir / "neuroplay").is_file():
        raise PackagingError(f"{onedir} holds no neuroplay executable: run PyInstaller first")
    arch = debian_arch()
    staging = (work_dir or ROOT / "build" / "deb") / f"{PACKAGE}_{version}_{arch}"
    stage(onedir, version, staging, arch)
    out_dir.mkdir(parents=True, exist_ok=True)
    deb = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    # xz: about a third smaller than gzip for this payload; root-owned files without fakeroot.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(staging),
                    str(deb)], check=True, stdout=subprocess.DEVNULL)
    return deb


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python packaging/deb.py ONEDIR VERSION OUT_DIR")
    try:
        print(build_deb(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
    except PackagingError as exc:
        sys.exit(f"error: {exc}")
