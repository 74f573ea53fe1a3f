"""The package as shipped: where it finds libbrm, its error classes against brm.h, Python 3.7
compatibility (vermin), `pip install` into a fresh virtualenv, and `import brm` from the
Maya module under the stand-in mayapy."""

import os
import re
import shutil
import subprocess
import sys
import venv

import pytest

import brm
from brm import _native, errors
from conftest import AGENT, LIB, PYTHON_DIR, ROOT, SHOT, stop_agent

HEADER = os.path.join(ROOT, "include", "brm.h")
FAKE_MAYAPY = os.path.join(ROOT, "tests", "fakes", "maya2025", "bin", "mayapy")
IN_CI = os.environ.get("CI") == "true"


def clean_env(**extra):
    """The environment of a TD's shell: no BRM_LIBRARY / BRM_AGENT pointing into the build."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("BRM_LIBRARY", "BRM_AGENT", "PYTHONPATH", "LD_LIBRARY_PATH", "BRM_SCRIPTS_DIR")}
    env.update(extra)
    return env


def test_error_classes_match_every_brm_result_in_the_header():
    with open(HEADER) as f:
        text = f.read()
    codes = dict((name, int(n)) for name, n in re.findall(r"\b(BRM_(?:OK|ERR_[A-Z0-9_]+)) = (\d+)", text))
    assert codes.pop("BRM_OK") == 0
    assert codes, "no brm_result values found in brm.h"
    classes = set()
    for name, code in codes.items():
        exc = errors.error_for(code, "msg", "brm_x")
        assert type(exc).code == code and type(exc).code_name == name, (name, type(exc))
        assert isinstance(exc, brm.BrmError) and str(exc) == "msg" and exc.function == "brm_x"
        classes.add(type(exc))
        assert getattr(brm, type(exc).__name__) is type(exc)
    assert len(classes) == len(codes)  # one class per code
    unknown = errors.error_for(999, "from a newer libbrm")
    assert type(unknown) is brm.BrmError and unknown.code == 999 and "999" in str(unknown)


def test_every_bound_function_is_in_the_header_with_its_arity():
    with open(HEADER) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    decls = dict(
        (m.group(1), m.group(2))
        for m in re.finditer(r"\b(brm_[a-z0-9_]+)\(([^)]*)\);", text)
    )
    for name, (_, argtypes) in _native._PROTOTYPES.items():
        assert name in decls, "%s is bound but not in include/brm.h" % name
        params = decls[name].strip()
        n = 0 if params in ("", "void") else params.count(",") + 1
        assert n == len(argtypes), "%s: %d parameters in brm.h, %d bound" % (name, n, len(argtypes))
    assert brm.library_path() == os.path.realpath(LIB)
    assert brm.version() == _native.load().cdll.brm_version().decode()


def run_py(code, env, cwd=None, python=sys.executable, timeout=300):
    return subprocess.run([python, "-c", code], env=env, cwd=cwd, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)


def test_missing_library_error_lists_where_it_looked(tmp_path):
    pkg = tmp_path / "site"
    shutil.copytree(os.path.join(PYTHON_DIR, "brm"), str(pkg / "brm"))
    code = (
        "import brm\n"  # importing never needs the library
        "try:\n    brm.frames('1-2')\n"
        "except brm.LibraryNotFoundError as e:\n    print(e)\n"
        "else:\n    raise SystemExit('loaded a library that is not there')\n"
    )
    r = run_py(code, clean_env(PYTHONPATH=str(pkg)))
    assert r.returncode == 0, r.stdout
    out = r.stdout
    assert "cannot find libbrm" in out
    for where in ("beside the brm package", "the Maya module's lib/", "the install prefix's lib/",
                  "the system library path", "BRM_LIBRARY"):
        assert where in out, (where, out)
    assert str(pkg / "brm" / "libbrm.so.0") in out
    r = run_py(code, clean_env(PYTHONPATH=str(pkg), BRM_LIBRARY=str(tmp_path / "libnope.so")))
    assert r.returncode == 0, r.stdout
    assert "libnope.so (BRM_LIBRARY): not there" in r.stdout


def test_library_of_another_abi_is_refused(tmp_path):
    """A file that loads but is no libbrm of ABI 1 gives a message, not a crash."""
    not_brm = tmp_path / "libother.so"
    shutil.copy(LIB, str(not_brm))
    r = run_py("import brm, ctypes\nfrom brm import _native\n_native.ABI_VERSION = 99\n"
               "try:\n    brm.frames('1')\nexcept brm.LibraryNotFoundError as e:\n    print(e)\n",
               clean_env(PYTHONPATH=PYTHON_DIR, BRM_LIBRARY=str(not_brm)))
    assert "has C ABI version 1 but these Python bindings need version 99" in r.stdout, r.stdout


def vermin():
    exe = shutil.which("vermin")
    if exe:
        return [exe]
    try:
        import vermin as _  # noqa: F401
    except ImportError:
        pytest.fail("vermin is not installed: pip install vermin (scripts/test.sh installs it)")
    return [sys.executable, "-m", "vermin"]


def test_package_needs_nothing_newer_than_python_3_7():
    targets = [os.path.join(PYTHON_DIR, "brm"), os.path.join(PYTHON_DIR, "examples")]
    r = subprocess.run(vermin() + ["-t=3.7-", "--violations", "--eval-annotations",
                                   "--no-parse-comments", "--no-tips"] + targets,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    r = subprocess.run(vermin() + ["--no-parse-comments", "--eval-annotations"] + targets,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert re.search(r"Minimum required versions: 3\.[0-7]\b", r.stdout), r.stdout


def test_pip_install_into_a_fresh_virtualenv_then_the_example_renders_24_frames(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(str(env_dir))
    py = str(env_dir / "bin" / "python")
    build = os.path.dirname(LIB)
    r = subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", PYTHON_DIR],
                       env=clean_env(BRM_BUILD_DIR=build), cwd=str(tmp_path), timeout=600,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(BRM_HOME=str(home), BRM_NO_NVML="1", BRM_NVIDIA_SMI=str(tmp_path / "none"))
    where = run_py("import brm; print(brm.library_path())", env, cwd=str(tmp_path), python=py)
    assert where.returncode == 0 and "site-packages/brm/libbrm.so.0" in where.stdout, where.stdout
    # As the README says: the example script, no arguments (the example scene, ./renders/).
    out = tmp_path / "renders" / "render_shot"
    example = os.path.join(PYTHON_DIR, "examples", "render_shot.py")
    usage = subprocess.run([py, example, "a", "b", "c"], env=env, cwd=str(tmp_path), timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert usage.returncode == 2 and "usage: python render_shot.py" in usage.stdout, usage.stdout
    try:
        r = subprocess.run([py, example],
                           env=env, cwd=str(tmp_path), timeout=600,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        stop_agent(home)
    assert r.returncode == 0, r.stdout
    # Frames 1-24 of both view layers of the example (beauty, fx), each in its own folder.
    assert "done: 48 frames in %s" % out in r.stdout, r.stdout
    assert re.search(r"job 1 running: \d+/48 frames", r.stdout), r.stdout
    for layer in ("beauty", "fx"):
        assert sorted(os.listdir(str(out / layer))) == ["shot.%04d.png" % f for f in range(1, 25)]
    # The agent that ran is the one bundled in the wheel, with the bundled scripts.
    with open(str(home / "state" / "logs" / "job-1.log")) as f:
        log = f.read()
    # (a cold render's setup script, or the warm session script that imports it)
    assert re.search(r"site-packages/brm/scripts/blender/brm_blender_(setup|session)\.py", log), log


def test_pip_install_finds_the_build_where_cargo_target_dir_puts_it_and_fails_loudly_without_one(tmp_path):
    """Issue 22.1/22.2: with CARGO_TARGET_DIR set, `pip install ./python` bundles the build
    cargo made there; with no build and no cargo the install fails and says what to do,
    rather than installing a package whose first call cannot find libbrm."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(str(env_dir))
    py = str(env_dir / "bin" / "python")
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.symlink(os.path.dirname(LIB), str(target / "release"))  # (this run's build, as release)
    r = subprocess.run([py, "-m", "pip", "install", "-v", "--disable-pip-version-check", PYTHON_DIR],
                       env=clean_env(CARGO_TARGET_DIR=str(target)), cwd=str(tmp_path), timeout=600,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    assert "bundled libbrm, the agent and its scripts from %s" % (target / "release") in r.stdout, r.stdout
    where = run_py("import brm, os; print(brm.library_path()); print(os.path.dirname(brm.__file__))",
                   clean_env(), cwd=str(tmp_path), python=py)
    assert where.returncode == 0 and "site-packages/brm/libbrm.so.0" in where.stdout, where.stdout
    # Issue 22.16: what the wheel installs is stripped (no symbol table, no debug sections).
    pkg = where.stdout.split()[-1]
    for name in ("libbrm.so.0", "brm"):
        sections = subprocess.run(["readelf", "-S", os.path.join(pkg, name)], stdout=subprocess.PIPE,
                                  universal_newlines=True, check=True).stdout
        assert ".debug_info" not in sections and ".symtab" not in sections, name
        assert os.path.getsize(os.path.join(pkg, name)) < os.path.getsize(os.path.join(os.path.dirname(LIB), name.replace(".0", ""))) / 2
    # Nothing built there, and no cargo to build it: a failed install with what to do.
    empty = tmp_path / "empty"
    empty.mkdir()
    env = clean_env(CARGO_TARGET_DIR=str(empty), PATH="%s:/usr/bin:/bin" % (env_dir / "bin"))
    r = subprocess.run([py, "-m", "pip", "install", "--force-reinstall", "--no-deps",
                        "--disable-pip-version-check", PYTHON_DIR],
                       env=env, cwd=str(tmp_path), timeout=600,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode != 0, r.stdout
    assert "no build of libbrm and the brm agent in %s" % empty in r.stdout, r.stdout
    assert "BRM_BUILD_DIR" in r.stdout and "Successfully installed" not in r.stdout, r.stdout


MAYAPY_CHECK = r"""
import os, sys, brm
lib = brm.library_path()
print("lib", lib)
assert lib.startswith(os.environ["MODULE"]), lib
assert brm.frames("1-10x3").to_list() == [1, 4, 7, 10]
with brm.Client() as c:
    job = c.submit(os.environ["SHOT"], layers="beauty", frames="1-2", output=os.environ["OUT"])
    st = job.wait(timeout=300)
    print("job", st.state, len(st.files))
    assert st.ok and len(st.files) == 2
print("mayapy", sys.executable)
"""


def check_module_import(module, tmp_path):
    """`import brm` in the stand-in mayapy with the module's scripts/ on the path (as Maya
    puts every module's scripts/ on PYTHONPATH), then a real render through the module's
    own agent (bin/brm; BRM_AGENT unset)."""
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(PYTHONPATH=str(module / "scripts"), MODULE=str(module), SHOT=SHOT,
                    OUT=str(tmp_path / "out"), BRM_HOME=str(home), BRM_NO_NVML="1",
                    BRM_NVIDIA_SMI=str(tmp_path / "none"))
    try:
        r = subprocess.run([FAKE_MAYAPY, "-c", MAYAPY_CHECK], env=env, cwd=str(tmp_path), timeout=600,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        stop_agent(home)
    assert r.returncode == 0, r.stdout
    assert "job done 2" in r.stdout, r.stdout
    agents = subprocess.run(["cat", str(home / "state" / "agent.log")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, universal_newlines=True).stdout
    return r.stdout, agents


def test_import_brm_from_a_static_plugin_module_layout_under_mayapy(tmp_path):
    """The layout a static plug-in build installs (scripts/brm/ with libbrm.so.0 inside,
    bin/brm), laid out by hand from this build."""
    module = tmp_path / "module"
    shutil.copytree(os.path.join(PYTHON_DIR, "brm"), str(module / "scripts" / "brm"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(LIB, str(module / "scripts" / "brm" / "libbrm.so.0"))
    (module / "bin").mkdir()
    shutil.copy(AGENT, str(module / "bin" / "brm"))
    check_module_import(module, tmp_path)


def test_import_brm_from_the_installed_maya_module_under_mayapy(tmp_path):
    """`cmake --install` of the Maya plug-in build (BRM_MAYA_BUILD, set by scripts/test.sh
    after the plug-in step) ships the package in the module's scripts/."""
    build = os.environ.get("BRM_MAYA_BUILD")
    if not build:
        if IN_CI:
            pytest.fail("BRM_MAYA_BUILD is not set: scripts/test.sh sets it to build/maya")
        pytest.skip("set BRM_MAYA_BUILD to a configured and built maya_plugin build folder")
    module = tmp_path / "module"
    r = subprocess.run(["cmake", "--install", build, "--prefix", str(module)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    assert (module / "scripts" / "brm" / "__init__.py").is_file()
    assert (module / "scripts" / "brm" / "py.typed").is_file()
    assert (module / "scripts" / "brm" / "libbrm.so.0").is_file() or (module / "lib" / "libbrm.so.0").is_file()
    check_module_import(module, tmp_path)


def test_import_brm_from_an_install_prefix(tmp_path):
    """scripts/install.sh puts the package in <prefix>/lib/python; it loads the prefix's
    libbrm.so.0, which starts the prefix's bin/brm."""
    prefix = tmp_path / "prefix"
    r = subprocess.run(["bash", os.path.join(ROOT, "scripts", "install.sh"), "--prefix", str(prefix),
                        "--from-build", os.path.dirname(LIB)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert r.returncode == 0, r.stdout
    assert "PYTHONPATH=%s/lib/python" % prefix in r.stdout
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(PYTHONPATH=str(prefix / "lib" / "python"), BRM_HOME=str(home), BRM_NO_NVML="1",
                    BRM_NVIDIA_SMI=str(tmp_path / "none"))
    code = ("import brm, sys\nprint(brm.library_path())\n"
            "with brm.Client() as c:\n"
            "    st = c.submit(sys.argv[1], layers='beauty', frames='3', output=sys.argv[2]).wait(timeout=300)\n"
            "    print(st.state, st.files)\n")
    try:
        r = subprocess.run([sys.executable, "-c", code, SHOT, str(tmp_path / "out")], env=env,
                           cwd=str(tmp_path), timeout=600, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
    finally:
        stop_agent(home)
    assert r.returncode == 0, r.stdout
    assert str(prefix / "lib" / "libbrm.so.0") in r.stdout
    assert "done ['%s']" % (tmp_path / "out" / "beauty" / "shot.0003.png") in r.stdout, r.stdout
