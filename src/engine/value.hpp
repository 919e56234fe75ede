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
  size_t offset = 0;      // bytes into that buffer (a part of a concatenation built in place, a Split part)
  // A strided view of another value's buffer (a Transpose, a Split part, a MatMul writing for the Transpose
  // after it): only builders that read strides take it as it is (BuildContext::strided).
  bool strided = false;
};

dnnl::memory::dims to_dnnl(const Dims& d);
dnnl::memory::desc plain_desc(const Dims& dims, dnnl::memory::data_type type = dnnl::memory::data_type::f32);
bool is_plain(const dnnl::memory::desc& md, const Dims& dims);
// True when `md` is a strided layout (no blocks, e.g. plain, permuted or a view with gaps).
bool is_strided_layout(const dnnl::memory::desc& md);
// The strides (in elements) of a strided layout.
Dims strides_of(const dnnl::memory::desc& md);

}  // namespace flipguard::engine
