// A minimal work-sharing loop for decode+preprocess: items are independent and cost about the same.
#pragma once

#include <cstddef>
#include <functional>

namespace flipguard::data {

// Calls fn(i) for i in [0, n) on `threads` threads (the caller's included). The first exception thrown by
// any call stops the remaining work and is rethrown here.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace flipguard::data
