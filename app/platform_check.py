"""Before Qt starts on X11: name the system packages its xcb plugin lacks.

On a bare X desktop Qt's xcb platform plugin cannot load without libxcb-cursor0,
libxcb-icccm4, libxcb-keysyms1 and friends; Qt then says only "could not load the Qt
platform plugin "xcb"" and aborts. This check runs first and says what to install.
Nothing here imports Qt: it must work when Qt itself cannot start.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PLUGIN = Path("platforms") / "libqxcb.so"


def would_use_xcb(environ=None, platform: str | None = None) -> bool:
    """Whether Qt will pick its X11 (xcb) plugin: the first entry of QT_QPA_PLATFORM, or,
    unset, an X display outside a Wayland session (Qt prefers Wayland there)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].strip()
    if chosen:
        return chosen.split(":")[0] == "xcb"
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return False
    return bool(environ.get("DISPLAY"))


def xcb_plugin(environ=None) -> Path | None:
    """The libqxcb.so Qt would load: QT_PLUGIN_PATH first, then PySide6's own plugins."""
    environ = os.environ if environ is None else environ
    folders = [Path(p) for p in environ.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    spec = importlib.util.find_spec("PySide6")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folders.append(Path(location) / "Qt" / "plugins")
    for folder in folders:
        if (folder / PLUGIN).is_file():
            return folder / PLUGIN
    return None


def not_found(ldd_output: str) -> list[str]:
    """The sonames ldd reports as "not found", in order, once each."""
    names = re.findall(r"^\s*(\S+) => not found", ldd_output, flags=re.MULTILINE)
    return list(dict.fromkeys(names))


def missing_libraries(plugin: Path) -> list[str]:
    """Shared libraries the plugin needs and the loader cannot find; [] when it loads."""
    try:
        ctypes.CDLL(str(plugin))  # the fast answer; Qt loads the same libraries next
        return []
    except OSError as exc:
        error = str(exc)
    if shutil.which("ldd"):
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
        if names := not_found(out):
            return names
    # No ldd, or it found everything (the load failed for another reason): the loader's
    # own message names the first missing library, if any.
    match = re.search(r"(\S+\.so[.\d]*): cannot open shared object file", error)
    return [match.group(1)] if match else []


def debian_package(soname: str) -> str:
    """Debian's package for a library: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (a dash after a name ending in a digit)."""
    name, _, version = soname.partition(".so.")
    name = name.lower()
    major = version.split(".")[0]
    return f"{name}-{major}" if name[-1:].isdigit() else f"{name}{major}"


def advice(missing: list[str]) -> str:
    """What to tell the user about the missing libraries."""
    bundled = [name for name in missing if name.startswith(("libQt6", "libpyside6", "libshiboken"))]
    system = [name for name in missing if name not in bundled]
    lines = ["Neuroplay cannot open its window: Qt's X11 (xcb) support needs libraries "
             "that are missing:", "    " + ", ".join(missing)]
    if system:
        packages = " ".join(debian_package(name) for name in system)
        lines += ["On Debian or Ubuntu, install them with:", f"    sudo apt install {packages}",
                  "On other systems, install the packages that provide these files "
                  "(the Neuroplay README lists them under \"Install\")."]
    if bundled:
        lines.append("Qt's own libraries are incomplete: reinstall Neuroplay.")
    return "\n".join(lines)


def check_display_libraries(environ=None) -> str | None:
    """None when Qt can open a window as far as libraries go; else the message to show."""
    if not would_use_xcb(environ):
        return None
    plugin = xcb_plugin(environ)
    if plugin is None:
        return None  # Qt says itself that it has no xcb plugin
    missing = missing_libraries(plugin)
    return advice(missing) if missing else None
