"""Build hook for `pip install ./python`: bundle the brm engine with the package.

pyproject.toml holds the metadata. This hook copies, from a cargo build of this checkout, the
files that make the installed package self-contained into the wheel's ``brm/``:

- ``libbrm.so.0``  the library the bindings load (found first: beside the package);
- ``brm``          the agent, which libbrm finds beside itself;
- ``scripts/``     the render scripts the agent finds beside itself (mayapy scripts and
                   ``blender/``).

The bundled binaries are stripped (their debug sections stay in ``build/python-debug/``).
The build is ``$BRM_BUILD_DIR`` when set, else the ``release`` build in the target folder
cargo reports (``cargo metadata``: ``CARGO_TARGET_DIR`` and ``.cargo/config``
count), else ``CARGO_TARGET_DIR``, else ``../target``. When there is none and cargo is here,
this hook builds it (``cargo build --release --lib --bin brm``, a few minutes the first time).
Without a build the install fails with what to do, unless ``BRM_PYTHON_BINDINGS_ONLY=1``
asks for the bindings alone (they then use the libbrm of a Maya module, an install prefix or
``BRM_LIBRARY``).
"""

import glob
import json
import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def cargo_target_dir():
    """The target folder cargo uses for this checkout (None: cargo cannot be asked)."""
    cargo = shutil.which("cargo")
    if cargo:
        try:
            out = subprocess.run([cargo, "metadata", "--format-version", "1", "--no-deps",
                                  "--manifest-path", os.path.join(REPO, "Cargo.toml")],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 universal_newlines=True, timeout=120)
            if out.returncode == 0:
                return json.loads(out.stdout)["target_directory"]
        except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
            pass
    env = os.environ.get("CARGO_TARGET_DIR")
    return os.path.join(REPO, env) if env else os.path.join(REPO, "target")


def built_in(target):
    """The release build in ``target`` (what a user installs is the release build; a debug
    build is bundled only when BRM_BUILD_DIR names it)."""
    d = os.path.join(target, "release")
    if os.path.isfile(os.path.join(d, "libbrm.so")) and os.path.isfile(os.path.join(d, "brm")):
        return d
    return None


def find_build():
    env = os.environ.get("BRM_BUILD_DIR")
    if env:
        d = os.path.abspath(env)
        for f in ("libbrm.so", "brm"):
            if not os.path.isfile(os.path.join(d, f)):
                sys.exit("BRM_BUILD_DIR=%s has no %s: run cargo build --lib --bins there" % (env, f))
        return d
    if os.environ.get("BRM_PYTHON_BINDINGS_ONLY") == "1":
        return None
    target = cargo_target_dir()
    found = built_in(target)
    if found:
        return found
    cargo = shutil.which("cargo")
    if not os.path.isfile(os.path.join(REPO, "Cargo.toml")) or not cargo:
        sys.exit(
            "error: no build of libbrm and the brm agent in %s, and %s: build them first "
            "(cargo build --release --lib --bin brm in the brm checkout), or point "
            "BRM_BUILD_DIR at a folder holding libbrm.so and brm; BRM_PYTHON_BINDINGS_ONLY=1 "
            "installs the bindings alone (for a Maya module or an install prefix)"
            % (target, "cargo is not installed" if not cargo else "this is not a brm checkout"))
    sys.stderr.write("building libbrm and the brm agent (cargo build --release; a few minutes "
                     "the first time) into %s\n" % target)
    r = subprocess.run([cargo, "build", "--release", "--locked", "--lib", "--bin", "brm",
                        "--manifest-path", os.path.join(REPO, "Cargo.toml")])
    if r.returncode != 0 or not built_in(target):
        sys.exit("error: cargo build of libbrm failed (exit %d): see its messages above"
                 % r.returncode)
    return built_in(target)


BUILD = find_build()


class BundleBuildPy(build_py):
    def run(self):
        build_py.run(self)
        if BUILD is None:
            sys.stderr.write(
                "BRM_PYTHON_BINDINGS_ONLY=1: the brm package without libbrm; it needs a Maya "
                "module, an install prefix or BRM_LIBRARY at run time\n"
            )
            return
        dest = os.path.join(self.build_lib, "brm")
        shutil.copy2(os.path.join(BUILD, "libbrm.so"), os.path.join(dest, "libbrm.so.0"))
        shutil.copy2(os.path.join(BUILD, "brm"), os.path.join(dest, "brm"))
        for name in ("libbrm.so.0", "brm"):
            strip(os.path.join(dest, name))
        scripts = os.path.join(dest, "scripts")
        os.makedirs(os.path.join(scripts, "blender"), exist_ok=True)
        for f in glob.glob(os.path.join(REPO, "maya_plugin", "scripts", "*.py")):
            shutil.copy2(f, scripts)
        for f in glob.glob(os.path.join(REPO, "scripts", "blender", "*.py")):
            shutil.copy2(f, os.path.join(scripts, "blender"))
        sys.stderr.write("bundled libbrm, the agent and its scripts from %s\n" % BUILD)


def strip(path):
    """Strip a bundled binary (the wheel carries no debug sections); its debug sections are
    kept in ``build/python-debug/<name>.debug`` of the checkout, linked by .gnu_debuglink."""
    objcopy = shutil.which("objcopy")
    if not objcopy:
        sys.exit("error: objcopy is missing (install binutils): the brm package bundles "
                 "stripped binaries")
    readelf = shutil.which("readelf")
    if readelf:
        sections = subprocess.run([readelf, "-S", path], stdout=subprocess.PIPE,
                                  universal_newlines=True).stdout
        if ".debug_info" not in sections and ".symtab" not in sections:
            return  # stripped already (a release build from scripts/release-build.sh)
    debug_dir = os.path.join(REPO, "build", "python-debug")
    os.makedirs(debug_dir, exist_ok=True)
    debug = os.path.join(debug_dir, os.path.basename(path) + ".debug")
    for args in (["--only-keep-debug", path, debug],
                 ["--strip-unneeded", "--remove-section=.comment",
                  "--add-gnu-debuglink=" + debug, path]):
        r = subprocess.run([objcopy] + args)
        if r.returncode != 0:
            sys.exit("error: objcopy %s failed (exit %d)" % (" ".join(args), r.returncode))


class BinaryDistribution(Distribution):
    """A wheel with libbrm inside is platform-specific (linux_x86_64, ...), not pure."""

    def has_ext_modules(self):
        return BUILD is not None


setup(cmdclass={"build_py": BundleBuildPy}, distclass=BinaryDistribution)
