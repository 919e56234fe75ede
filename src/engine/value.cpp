#include "engine/value.hpp"

namespace flipguard::engine {

dnnl::memory::dims to_dnnl(const Dims& d) {
  return dnnl::memory::dims(d.begin(), d.end());
}

dnnl::memory::desc plain_desc(const Dims& dims, dnnl::memory::data_type type) {
  // Row-major strides: the layout ONNX defines and every custom (non-oneDNN) kernel here assumes.
  dnnl::memory::dims strides(dims.size());
  dnnl::memory::dim s = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = s;
    s *= dims[i];
  }
  return dnnl::memory::desc(to_dnnl(dims), type, strides);
}

bool is_plain(const dnnl::memory::desc& md, const Dims& dims) {
  return md == plain_desc(dims);
}

bool is_strided_layout(const dnnl::memory::desc& md) {
  return md.data.format_kind == dnnl_blocked && md.data.format_desc.blocking.inner_nblks == 0 &&
         md.data.offset0 == 0;
}

Dims strides_of(const dnnl::memory::desc& md) {
  const auto& s = md.data.format_desc.blocking.strides;
  return Dims(s, s + md.data.ndims);
}

}  // namespace flipguard::engine
