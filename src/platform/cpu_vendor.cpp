#include "platform/cpu_vendor.hpp"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace flipguard::platform {

CpuVendor cpu_vendor() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return CpuVendor::Other;
  char name[13] = {};
  std::memcpy(name, &ebx, 4);  // the vendor string is EBX, EDX, ECX
  std::memcpy(name + 4, &edx, 4);
  std::memcpy(name + 8, &ecx, 4);
  if (std::strcmp(name, "GenuineIntel") == 0) return CpuVendor::Intel;
  if (std::strcmp(name, "AuthenticAMD") == 0) return CpuVendor::Amd;
#endif
  return CpuVendor::Other;
}

}  // namespace flipguard::platform
