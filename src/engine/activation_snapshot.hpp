// Copies of the activation buffers that are live at a cut of the layer sequence. The memory plan reuses
// buffers and some layers write in place (e.g. a residual sum over its addend), so running the layers after
// the cut destroys values they read; restoring this copy before each run makes that run see them again.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "engine/memory_plan.hpp"

namespace flipguard::engine {

class ActivationSnapshot {
 public:
  struct Range {
    void* data;  // inside the executor's memory plan
    size_t bytes;
  };

  // Sets the ranges to copy; the copies are allocated here, once, and reused by every capture().
  void reset(std::vector<Range> ranges);
  // Copies the current contents of every range.
  void capture();
  // Writes the captured contents back.
  void restore() const;
  size_t bytes() const;
  // The captured contents as one block of bytes() bytes, and back (std::invalid_argument on another size).
  void copy_to(std::span<std::byte> out) const;
  void copy_from(std::span<const std::byte> in);
  bool empty() const { return ranges_.empty(); }

 private:
  std::vector<Range> ranges_;
  std::vector<AlignedBuffer> copies_;
};

}  // namespace flipguard::engine
