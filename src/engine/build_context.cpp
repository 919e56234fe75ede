#include "engine/build_context.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace flipguard::engine {

BuildContext::BuildContext(const model::Graph& graph, LayoutPlan layout, dnnl::engine& engine,
                           WeightSelection selection)
    : graph_(graph), index_(graph), layout_(std::move(layout)), engine_(engine), selection_(selection) {
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const auto& in : graph.nodes[i].inputs)
      if (!in.empty()) uses_[in].push_back(static_cast<int>(i));
  for (const auto& o : graph.outputs) uses_[o.name].push_back(static_cast<int>(graph.nodes.size()));
}

std::string BuildContext::error(const model::Node& n, const std::string& problem) const {
  return graph_.source + ": " + n.describe() + ": " + problem;
}

int BuildContext::lookup(const std::string& name) {
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  if (graph_.is_constant(name)) return constant_value(name);
  throw std::runtime_error(graph_.source + ": value '" + name + "' is read before it is computed");
}

bool BuildContext::is_integer(const std::string& name) const {
  const auto it = ids_.find(name);
  return it != ids_.end() && values_[it->second].md.data_type() == dnnl::memory::data_type::s32;
}

int BuildContext::id(const std::string& name) {
  const int v = strided(name);
  // A strided view: a row-major copy (made once, then reused) for builders that assume row-major or
  // blocked layouts.
  return values_[v].strided ? in_layout(name, plain_desc(values_[v].dims), "plain", "to plain") : v;
}

int BuildContext::strided(const std::string& name) {
  const int v = lookup(name);
  // (A scalar's desc has no data type: only s32 marks an integer value.)
  if (values_[v].md.data_type() == dnnl::memory::data_type::s32) {
    const std::string who = current_ >= 0 && current_ < static_cast<int>(graph_.nodes.size())
                                ? graph_.nodes[current_].describe()
                                : "the graph output";
    throw std::runtime_error(
        graph_.source + ": " + who + " reads '" + name +
        "', which holds integers: the engine reads integer tensors only as Gather indices");
  }
  return v;
}

int BuildContext::index_id(const std::string& name) {
  const int v = lookup(name);
  if (values_[v].md.data_type() != dnnl::memory::data_type::s32)
    throw std::logic_error("index_id: '" + name + "' is not an integer value");
  return v;
}

int BuildContext::last_use(const std::string& name) const {
  auto it = uses_.find(name);
  if (it == uses_.end() || it->second.empty()) return current_;
  return *std::max_element(it->second.begin(), it->second.end());
}

void BuildContext::set_input(const std::string& name, const Dims& dims, bool integer) {
  batch_widened_ = !graph_.inputs.empty() && !graph_.inputs[0].dims.empty() &&
                   graph_.inputs[0].dims[0] == 1 && dims[0] != 1;
  const auto type = integer ? dnnl::memory::data_type::s32 : dnnl::memory::data_type::f32;
  Value v{name, dims, plain_desc(dims, type),
          net_.plan.add(static_cast<size_t>(model::element_count(dims)) * 4, -1, 0), -1};
  net_.plan.extend(v.buffer, last_use(name));
  values_.push_back(v);
  input_id_ = static_cast<int>(values_.size()) - 1;
  ids_[name] = input_id_;
  buffer_values_[v.buffer].push_back(input_id_);
}

int BuildContext::define(const std::string& name, const Dims& dims, const dnnl::memory::desc& md) {
  Value v{name, dims, md, net_.plan.add(md.get_size(), current_, std::max(current_, last_use(name))),
          current_};
  values_.push_back(v);
  const int id = static_cast<int>(values_.size()) - 1;
  ids_[name] = id;
  buffer_values_[v.buffer].push_back(id);
  return id;
}

int BuildContext::define_alias(const std::string& name, const Dims& dims, const dnnl::memory::desc& md,
                               int source) {
  const Value& src = values_.at(source);
  if (src.buffer < 0) {  // a constant: views of it are constants too
    Value v{name, dims, md, -1, current_};
    values_.push_back(v);
    const int id = static_cast<int>(values_.size()) - 1;
    ids_[name] = id;
    constant_buffers_[id] = constant_buffers_.at(source);
    return id;
  }
  Value v{name, dims, md, src.buffer, current_, src.offset};
  net_.plan.extend(src.buffer, std::max(current_, last_use(name)));
  values_.push_back(v);
  const int id = static_cast<int>(values_.size()) - 1;
  ids_[name] = id;
  buffer_values_[v.buffer].push_back(id);
  return id;
}

int BuildContext::define_strided_view(const std::string& name, const Dims& dims, const Dims& strides,
                                      int source, std::int64_t offset) {
  if (values_.at(source).buffer < 0)
    throw std::logic_error("define_strided_view: '" + name + "' of a constant");
  const dnnl::memory::desc md(to_dnnl(dims), dnnl::memory::data_type::f32, to_dnnl(strides));
  const int id = define_alias(name, dims, md, source);
  values_[id].offset += static_cast<size_t>(offset) * sizeof(float);
  values_[id].strided = !is_plain(md, dims);
  return id;
}

int BuildContext::define_concatenation(const std::string& name, const Dims& dims,
                                       const dnnl::memory::desc& md, const std::vector<int>& parts,
                                       const std::vector<size_t>& offsets) {
  std::vector<int> buffers;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Value& p = values_.at(parts[i]);
    if (p.buffer < 0 || parts[i] == input_id_ ||
        std::find(buffers.begin(), buffers.end(), p.buffer) != buffers.end())
      return -1;
    const size_t end = i + 1 < offsets.size() ? offsets[i + 1] : md.get_size();
    // The part's buffer moves so that the part lands at offsets[i]; every value in it (the part, its
    // in-place results, earlier concatenations it belongs to) must land inside the part's share.
    for (int vid : buffer_values_.at(p.buffer)) {
      if (vid == input_id_) return -1;
      const Value& v = values_[vid];
      if (v.offset < p.offset || offsets[i] + (v.offset - p.offset) + v.md.get_size() > end) return -1;
    }
    buffers.push_back(p.buffer);
  }
  int first = current_, last = std::max(current_, last_use(name));
  for (int b : buffers) {
    first = std::min(first, net_.plan.first_def(b));
    last = std::max(last, net_.plan.last_use(b));
  }
  const int buffer = net_.plan.add(md.get_size(), first, last);
  for (size_t i = 0; i < buffers.size(); ++i) {
    const size_t origin = values_[parts[i]].offset;
    for (int vid : buffer_values_.at(buffers[i])) {
      values_[vid].buffer = buffer;
      values_[vid].offset = values_[vid].offset - origin + offsets[i];
      buffer_values_[buffer].push_back(vid);
    }
    buffer_values_.erase(buffers[i]);
    net_.plan.release(buffers[i]);
  }
  values_.push_back(Value{name, dims, md, buffer, current_});
  const int id = static_cast<int>(values_.size()) - 1;
  ids_[name] = id;
  buffer_values_[buffer].push_back(id);
  return id;
}

bool BuildContext::can_overwrite(int source) const {
  const Value& src = values_.at(source);
  if (src.buffer < 0 || source == input_id_) return false;  // constants and the caller's input stay intact
  for (int vid : buffer_values_.at(src.buffer)) {
    if (vid == input_id_) return false;
    auto it = uses_.find(values_[vid].name);
    if (it == uses_.end()) continue;
    for (int u : it->second)
      if (u > current_) return false;
  }
  return true;
}

int BuildContext::plain(const std::string& name) {
  const int src = id(name);
  const Value& v = values_[src];
  if (is_plain(v.md, v.dims)) return src;
  return in_layout(name, plain_desc(v.dims), "plain", "to plain");
}

int BuildContext::in_layout(const std::string& name, const dnnl::memory::desc& md, const std::string& tag,
                            const std::string& what) {
  const int src = strided(name);
  if (values_[src].md == md) return src;
  const std::string copy_name = name + "#" + tag;
  if (auto it = ids_.find(copy_name); it != ids_.end()) return it->second;
  const Dims dims = values_[src].dims;
  const auto src_md = values_[src].md;
  const int dst = define(copy_name, dims, md);
  // The copy lives as long as the original is read.
  net_.plan.extend(values_[dst].buffer, last_use(name));
  dnnl::reorder::primitive_desc pd(engine_, src_md, engine_, md);
  add_layer(std::make_unique<PrimitiveLayer>(
      "reorder " + name + " " + what, dnnl::reorder(pd),
      std::vector<std::pair<int, int>>{{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}));
  return dst;
}

const model::Constant* BuildContext::constant(const std::string& name) const {
  auto it = graph_.constants.find(name);
  return it == graph_.constants.end() ? nullptr : &it->second;
}

const model::Constant& BuildContext::require_constant(const model::Node& n, size_t input) const {
  if (input >= n.inputs.size() || n.inputs[input].empty())
    throw std::runtime_error(error(n, "input " + std::to_string(input) + " is missing"));
  const auto* c = constant(n.inputs[input]);
  if (!c)
    throw std::runtime_error(error(
        n,
        "input '" + n.inputs[input] + "' must be a constant (initializer) for this engine, but is computed"));
  return *c;
}

int BuildContext::constant_value(const std::string& name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  const auto* c = constant(name);
  if (!c) throw std::runtime_error(graph_.source + ": '" + name + "' is not a constant");
  std::vector<float> data = c->floats;
  if (data.empty())
    for (auto i : c->ints) data.push_back(static_cast<float>(i));
  Dims dims = c->dims;
  net_.constant_data.push_back(std::move(data));
  Value v{name, dims, plain_desc(dims), -1, -1};
  values_.push_back(v);
  const int id = static_cast<int>(values_.size()) - 1;
  ids_[name] = id;
  constant_buffers_[id] = net_.constant_data.size() - 1;
  return id;
}

bool BuildContext::selected(const std::string& role) const {
  return role.starts_with("bn.")          ? selection_.batchnorm
         : role.starts_with("layernorm.") ? selection_.layernorm
         : role.starts_with("gather.")    ? selection_.embeddings
         : role.ends_with(".bias")        ? selection_.biases
                                          : selection_.conv_gemm_weights;
}

void BuildContext::register_weight(std::string name, const std::string& role, Dims dims,
                                   std::vector<float> clean, const dnnl::memory& physical,
                                   WeightSlot::OffsetMap offset) {
  // A transpose of another constant still in the graph is that constant, its elements read in another order:
  // the source's flat index maps to this tensor's, then to this buffer.
  if (const auto t = graph_.transposed.find(name); t != graph_.transposed.end()) {
    const auto src = graph_.constants.find(t->second.source);
    const Dims& perm = t->second.perm;
    if (src != graph_.constants.end() && src->second.is_float() && perm.size() == src->second.dims.size() &&
        perm.size() == dims.size()) {
      const Dims src_dims = src->second.dims;
      Dims step(perm.size());  // per source dim: its stride in this tensor's flat index
      std::int64_t s = 1;
      for (size_t k = perm.size(); k-- > 0;) {
        step[static_cast<size_t>(perm[k])] = s;
        s *= dims[k];
      }
      offset = [offset = std::move(offset), src_dims, step](std::int64_t flat) {
        std::int64_t at = 0;
        for (size_t d = src_dims.size(); d-- > 0;) {
          at += flat % src_dims[d] * step[d];
          flat /= src_dims[d];
        }
        return offset(at);
      };
      name = t->second.source;
      dims = src_dims;
      clean = src->second.floats;
    }
  }
  auto* data = static_cast<float*>(physical.get_data_handle());
  auto owner = std::make_shared<dnnl::memory>(physical);
  for (auto& w : net_.weights)
    if (w->name() == name) {
      // Another reader's buffer of a stored weight: written with it (the same values, or left alone).
      if (std::equal(clean.begin(), clean.end(), w->clean().begin(), w->clean().end()))
        w->add_copy(data, std::move(owner), std::move(offset));
      return;
    }
  if (!selected(role)) {
    pending_copies_[name].push_back({physical, std::move(offset), std::move(clean), current_});
    return;
  }
  net_.weights.push_back(
      std::make_unique<WeightSlot>(name, role, dims, clean, data, std::move(owner), std::move(offset)));
  net_.weight_nodes[name] = current_;
  if (const auto p = pending_copies_.find(name); p != pending_copies_.end()) {
    for (auto& c : p->second) {
      if (!std::equal(c.clean.begin(), c.clean.end(), clean.begin(), clean.end())) continue;
      net_.weights.back()->add_copy(static_cast<float*>(c.physical.get_data_handle()),
                                    std::make_shared<dnnl::memory>(c.physical), std::move(c.offset));
      net_.weight_nodes[name] = std::min(net_.weight_nodes[name], c.node);
    }
    pending_copies_.erase(p);
  }
}

dnnl::memory BuildContext::make_weight_memory(const dnnl::memory::desc& md,
                                              const dnnl::memory::desc& logical_md,
                                              const std::vector<float>& logical) {
  dnnl::memory dst(md, engine_);
  net_.weight_buffer_bytes += md.get_size();
  dnnl::memory src(logical_md, engine_, const_cast<float*>(logical.data()));
  dnnl::stream s(engine_);
  dnnl::reorder(src, dst).execute(s, src, dst);
  s.wait();
  return dst;
}

Network BuildContext::finish(int output) {
  net_.input_id = input_id_;
  net_.output_id = output;
  net_.output_dims = values_.at(output).dims;
  net_.plan.allocate();
  for (int id = 0; id < static_cast<int>(values_.size()); ++id) {
    const Value& v = values_[id];
    void* data = v.buffer >= 0 ? static_cast<void*>(static_cast<char*>(net_.plan.data(v.buffer)) + v.offset)
                               : static_cast<void*>(net_.constant_data[constant_buffers_.at(id)].data());
    net_.memories.emplace_back(v.md, engine_, data);
    if (v.buffer >= 0 && v.buffer == values_.at(input_id_).buffer)
      net_.input_views.emplace_back(id, v.offset);
  }
  net_.values = values_;
  return std::move(net_);
}

}  // namespace flipguard::engine
