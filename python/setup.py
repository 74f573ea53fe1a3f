"""Build hook for `pip install ./python`: bundle the brm engine with the package.

pyproject.toml holds the metadata. This hook copies, from a cargo build of this checkout, the
files that make the installed package self-contained into the wheel's ``brm/``:

- ``libbrm.so.0``  the library the bindings load (found first: beside the package);
- ``brm``          the agent, which libbrm finds beside itself;
- ``scripts/``     the render scripts the agent finds beside itself (mayapy scripts and
                   ``blender/``).

The build is ``$BRM_BUILD_DIR`` when set, else the newer of ``target/release`` and
``target/debug``. Without one the package is built pure (bindings only) with a warning; it
then uses the libbrm of a Maya module, an install prefix or ``BRM_LIBRARY``.
"""

import glob
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def find_build():
    env = os.environ.get("BRM_BUILD_DIR")
    if env:
        d = os.path.abspath(env)
        for f in ("libbrm.so", "brm"):
            if not os.path.isfile(os.path.join(d, f)):
                sys.exit("BRM_BUILD_DIR=%s has no %s: run cargo build --lib --bins there" % (env, f))
        return d
    found = []
    for profile in ("release", "debug"):
        d = os.path.join(REPO, "target", profile)
        lib = os.path.join(d, "libbrm.so")
        if os.path.isfile(lib) and os.path.isfile(os.path.join(d, "brm")):
            found.append((os.path.getmtime(lib), d))
    return max(found)[1] if found else None


BUILD = find_build()


class BundleBuildPy(build_py):
    def run(self):
        build_py.run(self)
        if BUILD is None:
            sys.stderr.write(
                "warning: no cargo build of brm found (target/release or target/debug, or "
                "BRM_BUILD_DIR): building the brm package without libbrm; it will need a Maya "
                "module, an install prefix or BRM_LIBRARY at run time\n"
            )
            return
        dest = os.path.join(self.build_lib, "brm")
        shutil.copy2(os.path.join(BUILD, "libbrm.so"), os.path.join(dest, "libbrm.so.0"))
        shutil.copy2(os.path.join(BUILD, "brm"), os.path.join(dest, "brm"))
        scripts = os.path.join(dest, "scripts")
        os.makedirs(os.path.join(scripts, "blender"), exist_ok=True)
        for f in glob.glob(os.path.join(REPO, "maya_plugin", "scripts", "*.py")):
            shutil.copy2(f, scripts)
        for f in glob.glob(os.path.join(REPO, "scripts", "blender", "*.py")):
            shutil.copy2(f, os.path.join(scripts, "blender"))
        sys.stderr.write("bundled libbrm, the agent and its scripts from %s\n" % BUILD)


class BinaryDistribution(Distribution):
    """A wheel with libbrm inside is platform-specific (linux_x86_64, ...), not pure."""

    def has_ext_modules(self):
        return BUILD is not None


setup(cmdclass={"build_py": BundleBuildPy}, distclass=BinaryDistribution)
