"""Build the native (Cython) kernels in csrc/.

OpenMP is used when the compiler accepts ``-fopenmp``; otherwise the extensions
are built without it and the kernels run single-threaded.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup


def _compiler_has_openmp() -> bool:
    if os.environ.get("IMX_NO_OPENMP"):
        return False
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return False
    src = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as fh:
            fh.write(src)
        try:
            result = subprocess.run(
                [cc, "-fopenmp", path, "-o", os.path.join(tmp, "t")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return False
        return result.returncode == 0


def _extensions():
    openmp = sys.platform != "win32" and _compiler_has_openmp()
    compile_args = ["-O3"]
    link_args = []
    if openmp:
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    exts = [
        Extension(
            "imx._edgelist",
            ["csrc/edgelist.pyx"],
            include_dirs=[np.get_include()],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
            define_macros=macros,
        ),
    ]
    return cythonize(
        exts,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )


# graphs/ (the sample graph and the dataset registry) is the one copy of those files; the build
# ships it inside the package as ``imx.data``.
setup(
    ext_modules=_extensions(),
    packages=find_packages(include=["imx", "imx.*"]) + ["imx.data"],
    package_dir={"imx.data": "graphs"},
)
