// Which company made the CPU this process runs on (cpuid leaf 0). oneDNN picks kernels by instruction set
// alone; where the fastest layout differs between vendors with the same instruction set, the engine asks.
#pragma once

namespace flipguard::platform {

enum class CpuVendor { Intel, Amd, Other };

CpuVendor cpu_vendor();

}  // namespace flipguard::platform
