// The machine's practical fp32 peak: oneDNN's sgemm on large square matrices with the same thread count
// as the engine benchmarks. Engine speeds are reported as a percentage of it.
//   bench_sgemm_peak [N=2048] [THREADS=2]
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::stol(argv[1]) : 2048;
  omp_set_num_threads(argc > 2 ? std::stoi(argv[2]) : 2);
  std::vector<float> a(static_cast<size_t>(n * n), 1.0f), b(a), c(a);
  std::vector<double> gflops;
  for (int rep = 0; rep < 7; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rep > 0) gflops.push_back(2.0 * n * n * n / s * 1e-9);
  }
  std::sort(gflops.begin(), gflops.end());
  std::printf("%.1f GFLOP/s (oneDNN sgemm %ldx%ld, %d threads, best of %zu)\n", gflops.back(), n, n,
              omp_get_max_threads(), gflops.size());
  return 0;
}
