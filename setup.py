"""Builds flipguard's Python module with the project's CMake build (target _flipguard), for `pip install .`.

Only the module is built (no tests, benchmarks or MPI). CMAKE_ARGS adds CMake options; FLIPGUARD_BUILD_JOBS
sets the parallel jobs (default 2); ccache is used when it is installed.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(flipguard VERSION ([0-9.]+)", text)
    if not match:
        raise RuntimeError("CMakeLists.txt: no 'project(flipguard VERSION x.y.z' line")
    return match.group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: CMakeExtension) -> None:
        package_dir = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build_dir = Path(self.build_temp).resolve() / "cmake"
        args = [
            "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
            "-DFLIPGUARD_TESTS=OFF", "-DFLIPGUARD_BENCH=OFF", "-DFLIPGUARD_MPI=OFF", "-DFLIPGUARD_PYTHON=ON",
            f"-DPython_EXECUTABLE={sys.executable}", f"-DFLIPGUARD_PYTHON_OUTPUT_DIR={package_dir}",
        ]
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        if shutil.which("ccache"):
            args.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        args += shlex.split(os.environ.get("CMAKE_ARGS", ""))
        subprocess.run(["cmake", *args], check=True)
        jobs = os.environ.get("FLIPGUARD_BUILD_JOBS", "2")
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_flipguard", "-j", jobs], check=True)
        if not any(package_dir.glob("_flipguard*.so")):
            raise RuntimeError(f"the build left no _flipguard module in {package_dir}")


setup(
    version=project_version(),
    packages=["flipguard"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("flipguard._flipguard")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    options={"build": {"build_base": "build-python"}},  # beside, not inside, the CMake build folder build/
)
