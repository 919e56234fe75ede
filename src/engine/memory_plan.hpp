// Assigns activation buffers once, before the first batch: a buffer is reused by a later value only after
// its last reader ran, so one set of allocations serves every batch (no per-batch malloc, no page faults).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace flipguard::engine {

struct AlignedDelete {
  void operator()(void* p) const;
};
using AlignedBuffer = std::unique_ptr<void, AlignedDelete>;
AlignedBuffer aligned_alloc_zeroed(size_t bytes);

class MemoryPlan {
 public:
  // A logical buffer: bytes needed, first node writing it, last node reading it (inclusive).
  int add(size_t bytes, int first_def, int last_use);
  void extend(int buffer, int last_use);
  // A buffer no value lives in any more (its values moved into another): it takes no memory.
  void release(int buffer) { requests_[buffer].bytes = 0; }
  int last_use(int buffer) const { return requests_[buffer].last_use; }
  // Decides placement (no allocation) and returns the bytes allocate() will take, so a caller can refuse a
  // plan that does not fit before touching memory.
  size_t planned_bytes();
  int first_def(int buffer) const { return requests_[buffer].first_def; }
  size_t bytes(int buffer) const { return requests_[buffer].bytes; }
  int size() const { return static_cast<int>(requests_.size()); }
  // Decides placement and allocates; after this, data(buffer) is valid.
  void allocate();
  void* data(int buffer) const;
  size_t allocated_bytes() const { return allocated_bytes_; }
  size_t requested_bytes() const;

 private:
  struct Request {
    size_t bytes;
    int first_def, last_use;
  };
  std::vector<Request> requests_;
  void place();

  std::vector<int> block_of_;        // request -> physical block
  std::vector<size_t> block_bytes_;  // physical block sizes, once placed
  std::vector<AlignedBuffer> blocks_;
  size_t allocated_bytes_ = 0;
};

}  // namespace flipguard::engine
