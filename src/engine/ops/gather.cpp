// Gather along an axis, in plain C++ row copies. Its two uses in transformers:
// - a table lookup: a constant float table (token or position embeddings, Swin's relative-position biases)
//   read at integer ids of the input or at constant indices. The table is a stored weight ("gather.table"),
//   so faults in it reach exactly the rows that are read;
// - picking positions of an activation at constant indices (ViT's class token, x[:, 0]).
// Indices are checked against the dimension at run time (ids come from the caller).
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

class GatherLayer : public Layer {
 public:
  struct Geometry {
    std::int64_t outer = 1, dim = 1, inner = 1, count = 0;  // data [outer, dim, inner], `count` indices
  };

  // data: value id, or -1 with `table` (the table's buffer); indices: value id (int32), or -1 with `fixed`.
  GatherLayer(std::string what, Geometry geo, int data, dnnl::memory table, int indices,
              std::vector<std::int64_t> fixed, int output)
      : what_(std::move(what)),
        geo_(geo),
        data_(data),
        table_(std::move(table)),
        indices_(indices),
        fixed_(std::move(fixed)),
        output_(output) {}

  void execute(dnnl::stream& stream, const std::vector<dnnl::memory>& values) override {
    stream.wait();  // oneDNN work before this must be finished before plain C++ reads it
    const auto* data =
        static_cast<const float*>(data_ >= 0 ? values[data_].get_data_handle() : table_.get_data_handle());
    const auto* ids =
        indices_ >= 0 ? static_cast<const std::int32_t*>(values[indices_].get_data_handle()) : nullptr;
    auto* out = static_cast<float*>(values[output_].get_data_handle());
    const auto inner = static_cast<size_t>(geo_.inner);
    for (std::int64_t o = 0; o < geo_.outer; ++o)
      for (std::int64_t k = 0; k < geo_.count; ++k) {
        std::int64_t i = ids ? ids[k] : fixed_[static_cast<size_t>(k)];
        if (i < 0) i += geo_.dim;
        if (i < 0 || i >= geo_.dim)
          throw std::out_of_range(what_ + ": index " +
                                  std::to_string(ids ? ids[k] : fixed_[static_cast<size_t>(k)]) +
                                  " is outside [0, " + std::to_string(geo_.dim) + ")");
        std::copy_n(data + (o * geo_.dim + i) * geo_.inner, inner, out + (o * geo_.count + k) * geo_.inner);
      }
  }
  std::string describe() const override { return what_; }

 private:
  std::string what_;
  Geometry geo_;
  int data_;
  dnnl::memory table_;
  int indices_;
  std::vector<std::int64_t> fixed_;
  int output_;
};

void build_gather(const model::Node& n, BuildContext& ctx) {
  const std::string& data_name = n.inputs.at(0);
  const std::string& idx_name = n.inputs.at(1);
  const auto* table = ctx.constant(data_name);
  const auto* fixed = ctx.constant(idx_name);
  const Dims data_dims = table ? table->dims : ctx.value(ctx.plain(data_name)).dims;
  Dims idx_dims;
  int idx_id = -1;
  std::vector<std::int64_t> fixed_idx;
  if (fixed) {
    if (fixed->is_float() && !fixed->floats.empty())
      throw std::runtime_error(ctx.error(n, "indices must be integers"));
    idx_dims = fixed->dims;
    fixed_idx = fixed->ints;
  } else {
    if (!ctx.is_integer(idx_name))
      throw std::runtime_error(
          ctx.error(n, "indices '" + idx_name +
                           "' are computed floats; the engine takes integer indices from the "
                           "model's input or from constants"));
    idx_id = ctx.index_id(idx_name);
    idx_dims = ctx.value(idx_id).dims;
  }
  const auto axis = static_cast<size_t>(
      model::normalize_axis(n.get_int("axis", 0), static_cast<std::int64_t>(data_dims.size())));
  const Dims out = model::gather_dims(data_dims, idx_dims, static_cast<std::int64_t>(axis));
  GatherLayer::Geometry geo;
  for (size_t d = 0; d < data_dims.size(); ++d)
    (d < axis ? geo.outer : d > axis ? geo.inner : geo.dim) *= data_dims[d];
  geo.count = model::element_count(idx_dims);
  if (geo.outer * geo.dim * geo.inner != model::element_count(data_dims))
    throw std::logic_error("gather geometry");
  for (auto i : fixed_idx)
    if (i < -geo.dim || i >= geo.dim)
      throw std::runtime_error(ctx.error(
          n, "index " + std::to_string(i) + " is outside a dimension of " + std::to_string(geo.dim)));
  dnnl::memory table_mem;
  int data_id = -1;
  std::string what = "Gather " + n.name + " " + model::dims_to_string(out);
  if (table) {
    if (!table->is_float())
      throw std::runtime_error(ctx.error(n, "integer data is not supported at run time"));
    const auto md = plain_desc(table->dims);
    table_mem = ctx.make_weight_memory(md, md, table->floats);
    ctx.add_weight(data_name, "gather.table", table->dims, table->floats, table_mem,
                   [dims = table->dims](std::int64_t flat, std::int64_t* idx) {
                     for (size_t i = dims.size(); i-- > 0;) {
                       idx[i] = flat % dims[i];
                       flat /= dims[i];
                     }
                   });
    what += " from table " + data_name;
  } else {
    data_id = ctx.plain(data_name);
  }
  const int y = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(
      std::make_unique<GatherLayer>(what, geo, data_id, table_mem, idx_id, std::move(fixed_idx), y));
}

}  // namespace

void register_gather(OpRegistry& r) {
  r.add("Gather", build_gather, 1, 17, {"axis"});
}

}  // namespace flipguard::engine
