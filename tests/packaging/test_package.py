"""The installers: desktop entry, Depends computation, and (marked `packaging`, minutes) a real
`packaging/build.py` run whose .deb is unpacked into a temporary root and smoke-tested.

Run the build tests with:  QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -m packaging
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from engine_check import assert_engine_ran_in_a_child  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "resources" / "neuroplay.desktop"
MIME_XML = ROOT / "resources" / "neuroplay-mime.xml"
SESSION_TYPE = "application/x-neuroplay-session"
MAX_PACKAGE_BYTES = 90 * 1000 * 1000
MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game",
                   "Graphics", "Network", "Office", "Science", "Settings", "System", "Utility"}
on_debian = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
    reason=".deb packages are built on Debian or Ubuntu (dpkg-deb missing)")


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def read_desktop(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


# ------------------------------------------------------------------ fast checks
def test_desktop_entry_launches_neuroplay_with_its_icon():
    entry = read_desktop(DESKTOP)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Neuroplay"
    # %f: "Open with Neuroplay" and a double click pass the file (main.py opens it).
    assert entry["Exec"] == "neuroplay %f"
    assert entry["MimeType"] == f"{SESSION_TYPE};"
    assert entry["Icon"] == "neuroplay"  # a theme name: hicolor/<size>/apps/neuroplay.png
    assert entry["Terminal"] == "false"
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert MAIN_CATEGORIES & set(categories.split(";"))
    assert entry["Keywords"].endswith(";")


def test_desktop_entry_passes_desktop_file_validate():
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate is not installed (desktop-file-utils)")
    result = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def mime_database(tmp_path: Path) -> Path:
    """A private XDG data folder holding only our MIME package, compiled."""
    tool = shutil.which("update-mime-database")
    if tool is None:
        pytest.skip("update-mime-database is not installed (shared-mime-info)")
    share = tmp_path / "share"
    (share / "mime/packages").mkdir(parents=True)
    shutil.copy(MIME_XML, share / "mime/packages/neuroplay.xml")
    subprocess.run([tool, str(share / "mime")], check=True, capture_output=True)
    return share


def session_text() -> str:
    from engine.io import session_json, session_to_dict
    from engine.session import TrainingSession

    return session_json(session_to_dict(TrainingSession()))[0]


def test_mime_type_names_session_files_and_no_other_json(tmp_path):
    import xml.etree.ElementTree as ET

    root = ET.parse(MIME_XML).getroot()
    namespace = "{http://www.freedesktop.org/standards/shared-mime-info}"
    assert root.find(f"{namespace}mime-type").get("type") == SESSION_TYPE
    share = mime_database(tmp_path)
    assert (share / "mime/application/x-neuroplay-session.xml").is_file()
    files = tmp_path / "files"
    files.mkdir()
    for name in ("moons.neuroplay.json", "moons.neuroplay", "moons-no-suffix"):
        (files / name).write_text(session_text())
    (files / "other.json").write_text('{"format": "something else", "version": 1}')
    env = {**os.environ, "XDG_DATA_DIRS": f"{share}:/usr/share",
           "XDG_DATA_HOME": str(tmp_path / "none")}
    code = ("import os, sys\nfrom PySide6.QtCore import QMimeDatabase\n"
            "db = QMimeDatabase()\n"
            "for name in sorted(os.listdir(sys.argv[1])):\n"
            "    print(name, db.mimeTypeForFile(os.path.join(sys.argv[1], name)).name())\n")
    out = subprocess.run([sys.executable, "-c", code, str(files)], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    types = dict(line.split() for line in out.splitlines())
    assert types == {"moons.neuroplay.json": SESSION_TYPE, "moons.neuroplay": SESSION_TYPE,
                     "moons-no-suffix": SESSION_TYPE, "other.json": "application/json"}
    gio = shutil.which("gio")
    if gio:  # GLib file managers sniff: a session saved as plain .json is found too
        (files / "moons.json").write_text(session_text())
        for name, wanted in (("moons.json", SESSION_TYPE), ("other.json", "application/json")):
            info = subprocess.run([gio, "info", "-a", "standard::content-type",
                                   str(files / name)], env=env, capture_output=True, text=True,
                                  check=True).stdout
            assert info.strip().endswith(wanted), info


def test_windows_and_macos_scripts_ask_for_what_they_need():
    """Not buildable here: at least the requirements stay written where they bite."""
    iss = (ROOT / "packaging/windows/neuroplay.iss").read_text()
    assert "#if Ver < EncodeVer(6, 3, 0)" in iss and "x64compatible" in iss
    dmg = (ROOT / "packaging/macos/build_dmg.sh").read_text()
    assert "--options runtime --timestamp" in dmg  # both required for notarization
    readme = (ROOT / "packaging/README.md").read_text()
    assert "Open Anyway" in readme and "right-click > Open" not in readme
    spec = (ROOT / "packaging/neuroplay.spec").read_text()
    assert '"opengl32sw"' in spec and "X utf8" in spec


def test_control_file_layout():
    deb = load("deb")
    text = deb.control_text("1.2.3", "amd64", "libc6 (>= 2.36), libgl1", 4321)
    fields = dict(line.split(": ", 1) for line in text.splitlines() if not line.startswith(" "))
    assert fields["Package"] == "neuroplay"
    assert fields["Version"] == "1.2.3"
    assert fields["Installed-Size"] == "4321"
    assert fields["Depends"] == "libc6 (>= 2.36), libgl1"
    long_description = [line for line in text.splitlines() if line.startswith(" ")]
    assert long_description and all(len(line) <= 80 for line in long_description)
    assert text.endswith("\n")


@on_debian
def test_depends_for_a_program_that_needs_only_glibc(tmp_path):
    deb = load("deb")
    shutil.copy(shutil.which("true") or "/bin/true", tmp_path / "tool")
    depends = deb.depends_field(tmp_path)
    assert depends.startswith("libc6 (>= 2.")
    assert "," not in depends


@on_debian
def test_depends_refuses_a_library_it_cannot_name(tmp_path):
    deb = load("deb")
    import PySide6

    module = Path(PySide6.__file__).parent / "QtSvg.abi3.so"  # needs libQt6Svg, not carried
    shutil.copy(module, tmp_path / module.name)
    with pytest.raises(deb.PackagingError, match=r"libQt6Svg\.so\.6"):
        deb.depends_field(tmp_path)


# ------------------------------------------------------------------ the real build
@pytest.fixture(scope="module")
def built() -> dict[str, Path]:
    """Run packaging/build.py as `make package` does; return the .deb and .tar.xz paths."""
    result = subprocess.run([sys.executable, "packaging/build.py"], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    version = project_version()
    paths = {"deb": ROOT / "dist" / f"neuroplay_{version}_{arch}.deb",
             "tar": ROOT / "dist" / f"neuroplay-{version}-linux-{os.uname().machine}.tar.xz"}
    for path in paths.values():
        assert path.is_file(), f"{path} was not built"
    return paths


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """The .deb unpacked into a temporary root, as dpkg would install it under /."""
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(built["deb"]), str(root)], check=True)
    return root


def no_python_env() -> dict[str, str]:
    """An environment that offers the app no Python, virtualenv or display."""
    keep = ("HOME", "LANG", "TMPDIR", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PATH"] = "/usr/bin:/bin"
    return env


def run_smoke(executable: Path, shot: Path, cwd: Path) -> str:
    result = subprocess.run([str(executable), "--smoke-test", "--screenshot", str(shot)],
                            cwd=cwd, env=no_python_env(), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@on_debian
@pytest.mark.packaging
def test_deb_control_fields(built):
    def field(name: str) -> str:
        return subprocess.run(["dpkg-deb", "-f", str(built["deb"]), name], capture_output=True,
                              text=True, check=True).stdout.strip()

    assert field("Package") == "neuroplay"
    assert field("Version") == project_version()
    assert field("Maintainer")
    assert field("Description").startswith("build small neural networks")
    depends = {d.strip().split(" ")[0] for d in field("Depends").replace("|", ",").split(",")}
    assert {"libc6", "libgl1", "libegl1", "libxkbcommon0", "libfontconfig1", "libdbus-1-3",
            "libxcb-cursor0", "libxkbcommon-x11-0"} <= depends
    contents = subprocess.run(["dpkg-deb", "--contents", str(built["deb"])],
                              capture_output=True, text=True, check=True).stdout.splitlines()
    assert all(" root/root " in line for line in contents)
    assert int(field("Installed-Size")) * 1024 > 50e6


@on_debian
@pytest.mark.packaging
def test_deb_installs_launcher_menu_entry_icons_and_cache_scripts(built, installed, tmp_path,
                                                                   qapp):
    launcher = installed / "usr/bin/neuroplay"
    assert os.readlink(launcher) == "/opt/neuroplay/neuroplay"
    assert os.access(installed / "opt/neuroplay/neuroplay", os.X_OK)
    desktop = installed / "usr/share/applications/neuroplay.desktop"
    assert read_desktop(desktop) == read_desktop(DESKTOP)
    mime = installed / "usr/share/mime/packages/neuroplay.xml"
    assert mime.read_bytes() == MIME_XML.read_bytes()
    for size in (16, 32, 48, 64, 128, 256, 512):
        image = QImage(str(installed / f"usr/share/icons/hicolor/{size}x{size}/apps/neuroplay.png"))
        assert (image.width(), image.height()) == (size, size)
    assert (installed / "usr/share/icons/hicolor/scalable/apps/neuroplay.svg").is_file()

    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(built["deb"]), str(control)], check=True)
    for script in ("postinst", "postrm"):
        path = control / script
        assert os.access(path, os.X_OK)
        subprocess.run(["sh", "-n", str(path)], check=True)  # parses as a shell script
        text = path.read_text()
        assert "update-desktop-database" in text and "gtk-update-icon-cache" in text
        assert "command -v" in text  # only when the tool is installed


@on_debian
@pytest.mark.packaging
def test_dpkg_install_then_purge_leaves_nothing_behind(built, tmp_path):
    """A real dpkg install and purge into a private root, maintainer scripts included."""
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    # Chrootless: the scripts run here with DPKG_ROOT=root; Depends are not installed there.
    dpkg = ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-not-root",
            "--force-depends", "--log=/dev/null"]
    subprocess.run([*dpkg, "-i", str(built["deb"])], check=True, capture_output=True)
    listing = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(built["deb"])],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(listing)) as tar:
        files = [m.name.lstrip("./") for m in tar.getmembers() if not m.isdir()]
    assert all(os.path.lexists(root / f) for f in files)
    icon_cache = root / "usr/share/icons/hicolor/icon-theme.cache"
    caches = shutil.which("gtk-update-icon-cache") is not None
    if caches:  # postinst refreshed the icon cache, and it lists our icon
        assert b"neuroplay" in icon_cache.read_bytes()

    subprocess.run([*dpkg, "--purge", "neuroplay"], check=True, capture_output=True)
    left = [str(p.relative_to(root)) for p in root.rglob("*")
            if not p.is_dir() and admin not in p.parents]
    assert not any(os.path.lexists(root / f) for f in files)
    # Only the shared caches stay, and they no longer mention Neuroplay.
    assert set(left) <= {"usr/share/applications/mimeinfo.cache",
                         "usr/share/icons/hicolor/icon-theme.cache"}
    assert not (root / "opt/neuroplay").exists()
    if caches and icon_cache.exists():
        assert b"neuroplay" not in icon_cache.read_bytes()


@on_debian
@pytest.mark.packaging
def test_installed_app_passes_its_smoke_test(installed, tmp_path):
    shot = tmp_path / "installed.png"
    out = run_smoke(installed / "opt/neuroplay/neuroplay", shot, tmp_path)
    assert f"Neuroplay {project_version()} (frozen" in out
    assert "UTF-8 mode on" in out  # the East Asian codecs are left out: no locale needs them
    assert "loss chart: " in out
    assert "smoke test passed" in out
    # The frozen executable started itself as the engine's child process (multiprocessing's
    # frozen support), which trained: no fallback to the window's thread, no Qt GUI in it.
    assert_engine_ran_in_a_child(out, frozen=True)
    image = QImage(str(shot))
    # The window fits its screen: Qt's offscreen screen is 800x800, less a frame allowance.
    assert image.width() >= 780 and image.height() >= 500
    # Started through a symlink, as /usr/bin/neuroplay does.
    link = tmp_path / "bin" / "neuroplay"
    link.parent.mkdir()
    link.symlink_to(installed / "opt/neuroplay/neuroplay")
    assert "smoke test passed" in run_smoke(link, tmp_path / "via-link.png", tmp_path)


@on_debian
@pytest.mark.packaging
def test_bundle_leaves_out_what_the_app_does_not_use(installed):
    bundle = installed / "opt/neuroplay/_internal"
    names = {p.name for p in bundle.rglob("*")}
    for unwanted in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6Pdf.so.6",
                     "libQt6WebEngineCore.so.6", "libQt6Network.so.6", "libqgtk3.so",
                     "translations", "qml", "_tkinter.cpython-312-x86_64-linux-gnu.so"):
        assert unwanted not in names, unwanted
    assert not any(n.startswith(("libQt6Quick", "libQt6Qml", "libQt6VirtualKeyboard"))
                   for n in names)
    internal = {str(p.relative_to(bundle)) for p in bundle.rglob("*")}
    for unused in ("pyqtgraph/colors/maps", "pyqtgraph/icons/peegee", "cuda", "torch"):
        assert unused not in internal, unused
    assert "pyqtgraph/icons/auto.png" in internal  # the plot's own button icon stays
    assert not [n for n in names if n.startswith(("_codecs_jp", "_codecs_cn", "_multibytecodec",
                                                  "_multiarray_tests"))]
    assert "libQt6OpenGL.so.6" in names  # pyqtgraph 0.14 needs QtOpenGL
    assert "libqxcb.so" in names and "libqwayland.so" in names and "libqoffscreen.so" in names


@on_debian
@pytest.mark.packaging
def test_bundle_carries_every_resource(installed):
    # engine/lessons.py and app/icon.py find these next to the code, source or frozen.
    bundled = installed / "opt/neuroplay/_internal/resources"
    source = ROOT / "resources"
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()
              and not p.name.startswith("screenshot")}
    assert wanted and wanted <= {p.relative_to(bundled) for p in bundled.rglob("*")}


@on_debian
@pytest.mark.packaging
def test_frozen_archive_has_every_app_module_and_no_unused_stdlib(installed):
    from PyInstaller.archive.readers import CArchiveReader

    executable = CArchiveReader(str(installed / "opt/neuroplay/neuroplay"))
    pyz_name = next(name for name, entry in executable.toc.items() if entry[-1] == "z")
    modules = set(executable.open_embedded_archive(pyz_name).toc)
    # Every module of the source tree, including those app.main imports by name only.
    for package in ("app", "engine"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            assert name in modules, f"{name} is missing from the frozen app"
    for unused in ("tkinter", "unittest", "pydoc_data", "PySide6.QtQml", "PySide6.QtNetwork",
                   "numpy.testing", "numpy.f2py"):
        assert unused not in modules, unused
    assert "pyqtgraph" in modules and "numpy" in modules


@on_debian
@pytest.mark.packaging
def test_tarball_holds_the_app_and_an_install_note(built, tmp_path):
    top = f"neuroplay-{project_version()}"
    with tarfile.open(built["tar"]) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert all(m.uid == 0 and m.gid == 0 for m in members.values())
        assert members[f"{top}/neuroplay"].mode & 0o111
        note = tar.extractfile(f"{top}/INSTALL.txt").read().decode()
        assert project_version() in note and "--smoke-test" in note and "apt install" in note
        assert "update-mime-database" in note
        mime = tar.extractfile(f"{top}/share/mime/neuroplay.xml").read()
        assert mime == MIME_XML.read_bytes()
        tar.extractall(tmp_path, filter="tar")
    out = run_smoke(tmp_path / top / "neuroplay", tmp_path / "tar.png", tmp_path)
    assert "smoke test passed" in out


@on_debian
@pytest.mark.packaging
def test_each_package_is_under_90_mb(built):
    for path in built.values():
        assert path.stat().st_size < MAX_PACKAGE_BYTES, f"{path.name}: {path.stat().st_size}"
