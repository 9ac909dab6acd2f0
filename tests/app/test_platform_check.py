"""app/platform_check.py: on X11 without the libraries Qt's xcb plugin needs, Neuroplay names
the packages to install instead of Qt's bare "could not load the Qt platform plugin"."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform_check import (
    advice,
    check_display_libraries,
    debian_package,
    not_found,
    would_use_xcb,
    xcb_plugin,
)

ROOT = Path(__file__).resolve().parents[2]
LIBRARY_DIR = Path("/usr/lib/x86_64-linux-gnu")
HIDDEN = ("libxcb-cursor.so.0", "libxcb-icccm.so.4")


@pytest.mark.parametrize(("environ", "platform", "expected"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({}, "linux", False),  # no display: Qt fails on the connection, not on libraries
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb:nomitshm;wayland"}, "linux", True),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, "linux", False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
     "linux", False),
    ({"DISPLAY": ":0"}, "win32", False),
    ({"DISPLAY": ":0"}, "darwin", False),
])
def test_only_an_xcb_start_is_checked(environ, platform, expected):
    assert would_use_xcb(environ, platform) is expected


def test_not_found_reads_ldd_output():
    out = ("\tlinux-vdso.so.1 (0x00007ffd)\n"
           "\tlibxcb-cursor.so.0 => not found\n"
           "\tlibQt6Gui.so.6 => /opt/neuroplay/_internal/libQt6Gui.so.6 (0x7f)\n"
           "\tlibxcb-icccm.so.4 => not found\n"
           "\tlibxcb-cursor.so.0 => not found\n")
    assert not_found(out) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]


def test_package_names_agree_with_the_deb_depends_table():
    spec = importlib.util.spec_from_file_location("deb", ROOT / "packaging" / "deb.py")
    deb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deb)
    x11 = {soname: package.split(" | ")[-1] for soname, package in deb.SONAME_PACKAGES.items()
           if soname.startswith(("libxcb", "libX11", "libxkbcommon"))}
    assert len(x11) >= 15
    assert {soname: debian_package(soname) for soname in x11} == x11
    assert debian_package("libxcb-xinerama.so.0") == "libxcb-xinerama0"


def test_advice_names_the_apt_packages_and_sends_qt_gaps_to_a_reinstall():
    text = advice(["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"])
    assert "sudo apt install libxcb-cursor0 libxkbcommon-x11-0" in text
    assert "reinstall" not in text
    assert "reinstall Neuroplay" in advice(["libQt6XcbQpa.so.6"])


def test_nothing_is_checked_offscreen():
    assert check_display_libraries({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}) is None


def test_the_plugin_found_is_the_one_qt_would_load_first(tmp_path):
    plugin = xcb_plugin({})
    if plugin is None:
        pytest.skip("this PySide6 has no xcb plugin")
    copy = tmp_path / "platforms" / "libqxcb.so"
    copy.parent.mkdir()
    shutil.copy(plugin, copy)
    assert xcb_plugin({"QT_PLUGIN_PATH": str(tmp_path)}) == copy


def can_hide_libraries() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    if xcb_plugin({}) is None or not all((LIBRARY_DIR / name).exists() for name in HIDDEN):
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not can_hide_libraries(),
                    reason="needs root, unshare, overlayfs and the xcb libraries to hide")
def test_missing_xcb_libraries_are_named_instead_of_qts_abort(tmp_path):
    """Hide two real libraries (overlay whiteouts in a private mount namespace) and start
    the app as `make run` does: it names the packages and exits 1 before Qt aborts."""
    upper, work = tmp_path / "upper", tmp_path / "work"
    upper.mkdir()
    work.mkdir()
    whiteouts = " ".join(f"{upper}/{name} {upper}/$(readlink {LIBRARY_DIR}/{name})"
                         for name in HIDDEN)
    script = (f"for f in {whiteouts}; do mknod $f c 0 0; done && "
              f"mount -t overlay overlay -o lowerdir={LIBRARY_DIR},upperdir={upper},"
              f"workdir={work} {LIBRARY_DIR} && exec {sys.executable} -m app.main")
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "QT_PLUGIN_PATH")}
    env["DISPLAY"] = ":99"  # never reached: the check comes before any connection
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    if "overlay" in result.stderr and "mount" in result.stderr:
        pytest.skip(f"overlayfs is not available here: {result.stderr.strip()}")
    assert result.returncode == 1, result.stderr
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4" in result.stderr
    assert "could not load the Qt platform plugin" not in result.stderr
