// An activation tensor of the executor: its logical dims, its physical layout, and where it lives.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "model/graph.hpp"

namespace flipguard::engine {

using model::Dims;

struct Value {
  std::string name;
  Dims dims;
  dnnl::memory::desc md;  // physical layout (plain or blocked)
  int buffer = -1;        // index into the memory plan's buffers
  int defined_at = -1;    // node index that produces it (-1: graph input or constant)
  size_t offset = 0;      // bytes into that buffer (a part of a concatenation built in place)
};

dnnl::memory::dims to_dnnl(const Dims& d);
dnnl::memory::desc plain_desc(const Dims& dims, dnnl::memory::data_type type = dnnl::memory::data_type::f32);
bool is_plain(const dnnl::memory::desc& md, const Dims& dims);

}  // namespace flipguard::engine
