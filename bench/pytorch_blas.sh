# Sourced by the benches that time PyTorch. Debian's torch takes its BLAS (Linear, MatMul, and convolutions
# outside oneDNN) from libblas.so.3: the reference BLAS unless OpenBLAS is installed, which would make
# PyTorch a strawman. Uses OpenBLAS where it is installed, else warns; sets pt_blas to what PyTorch runs on.
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread
if [ -f "$openblas/libblas.so.3" ]; then
  export LD_LIBRARY_PATH=$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  grep -q avx512f /proc/cpuinfo && export OPENBLAS_CORETYPE=SkylakeX  # 0.3.21 misses newer AVX-512 CPUs
  pt_blas="OpenBLAS ($(basename "$(readlink -f "$openblas/libopenblas.so.0")")${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})"
else
  pt_blas="the reference BLAS (apt install libopenblas0-pthread for a fair comparison)"
  echo "warning: PyTorch's BLAS calls run on $pt_blas" >&2
fi
