#include "engine/memory_plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>

namespace flipguard::engine {

void AlignedDelete::operator()(void* p) const {
  std::free(p);
}

AlignedBuffer aligned_alloc_zeroed(size_t bytes) {
  const size_t rounded = (std::max<size_t>(bytes, 64) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);  // also touches every page now rather than during the first batch
  return AlignedBuffer(p);
}

int MemoryPlan::add(size_t bytes, int first_def, int last_use) {
  requests_.push_back({bytes, first_def, std::max(first_def, last_use)});
  return static_cast<int>(requests_.size()) - 1;
}

void MemoryPlan::extend(int buffer, int last_use) {
  requests_[buffer].last_use = std::max(requests_[buffer].last_use, last_use);
}

size_t MemoryPlan::requested_bytes() const {
  size_t total = 0;
  for (const auto& r : requests_) total += r.bytes;
  return total;
}

size_t MemoryPlan::planned_bytes() {
  place();
  size_t total = 0;
  for (size_t b : block_bytes_) total += b;
  return total;
}

void MemoryPlan::place() {
  std::vector<int> order(requests_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return requests_[a].first_def < requests_[b].first_def; });
  struct Block {
    size_t bytes;
    int busy_until;
  };
  std::vector<Block> blocks;
  block_of_.assign(requests_.size(), -1);
  for (int r : order) {
    const auto& req = requests_[r];
    int best = -1;
    for (int b = 0; b < static_cast<int>(blocks.size()); ++b) {
      if (blocks[b].busy_until >= req.first_def) continue;  // still read at or after this definition
      // Prefer the smallest block that fits; else the largest one, which then grows.
      if (best < 0) {
        best = b;
        continue;
      }
      const bool fits = blocks[b].bytes >= req.bytes, best_fits = blocks[best].bytes >= req.bytes;
      if ((fits && (!best_fits || blocks[b].bytes < blocks[best].bytes)) ||
          (!fits && !best_fits && blocks[b].bytes > blocks[best].bytes))
        best = b;
    }
    if (best < 0) {
      blocks.push_back({req.bytes, req.last_use});
      best = static_cast<int>(blocks.size()) - 1;
    }
    blocks[best].bytes = std::max(blocks[best].bytes, req.bytes);
    blocks[best].busy_until = req.last_use;
    block_of_[r] = best;
  }
  block_bytes_.clear();
  for (const auto& b : blocks) block_bytes_.push_back(b.bytes);
}

void MemoryPlan::allocate() {
  place();
  blocks_.clear();
  allocated_bytes_ = 0;
  for (size_t bytes : block_bytes_) {
    blocks_.push_back(aligned_alloc_zeroed(bytes));
    allocated_bytes_ += bytes;
  }
}

void* MemoryPlan::data(int buffer) const {
  return blocks_.at(block_of_.at(buffer)).get();
}

}  // namespace flipguard::engine
