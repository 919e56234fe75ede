// ONNX models on flipguard's engine from Python: run a batch of images from a numpy array, list the stored
// weights and patch them, and read a built-in dataset preprocessed as a model's sidecar says.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "campaign/recipe/model_recipe.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/manifest/manifest.hpp"
#include "engine/executor.hpp"
#include "model/onnx_loader.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace flipguard::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// An executor shared by the Model object and its Weight views. Runs and weight writes take the lock with the
// GIL released, so Python threads neither race on the engine nor stall behind it.
struct ModelState {
  std::unique_ptr<engine::Executor> executor;
  std::string source;
  std::mutex lock;
};

class Model {
 public:
  // Paths arrive as str, bytes or any os.PathLike (pathlib.Path), as run_campaign takes them.
  Model(const std::filesystem::path& model, int batch, int threads, bool fold_batchnorm, bool biases,
        bool batchnorm, const std::filesystem::path& models_dir)
      : state_(std::make_shared<ModelState>()) {
    engine::ExecutorOptions options;
    options.batch = batch;
    options.threads = threads;
    options.fold_batchnorm = fold_batchnorm;
    options.weights.biases = biases;
    options.weights.batchnorm = batchnorm;
    {
      py::gil_scoped_release release;
      // The commands' loader: a sidecar's claims about the file checked, the graph read once.
      auto file = campaign::open_model(model.string(), models_dir.string());
      state_->source = file.spec.onnx_path().string();
      state_->executor = std::make_unique<engine::Executor>(std::move(file.graph), options);
    }
    // A model exported without a dynamic batch axis runs at its own batch (Model.batch says which).
    if (const int fixed = state_->executor->batch(); fixed != batch)
      py::module_::import("warnings")
          .attr("warn")(state_->source + ": the model's batch is fixed at " + std::to_string(fixed) +
                        ": running at batch " + std::to_string(fixed) + " (not " + std::to_string(batch) +
                        ")");
  }

  engine::Executor& executor() const { return *state_->executor; }
  const std::shared_ptr<ModelState>& state() const { return state_; }

  // Images as floats; for a language model (integer input), token ids of any integer dtype, widened.
  py::array run(const py::array& input) {
    if (!executor().integer_input()) return run_batches(py::cast<FloatArray>(input), "images");
    const char kind = input.dtype().kind();
    if (kind != 'i' && kind != 'u')
      throw py::value_error("run: " + state_->source +
                            " is a language model: it takes integer token ids, got " +
                            std::string(py::str(input.dtype())) + " values");
    return run_batches(py::cast<IdArray>(input), "token ids");
  }

 private:
  using IdArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

  template <typename Array>
  py::array run_batches(const Array& input, const std::string& what) {
    engine::Executor& ex = executor();
    const auto& in = ex.input_dims();
    const bool single = input.ndim() == static_cast<py::ssize_t>(in.size()) - 1;
    bool fits = single || input.ndim() == static_cast<py::ssize_t>(in.size());
    for (size_t d = 1; fits && d < in.size(); ++d)
      fits = input.shape(input.ndim() - static_cast<py::ssize_t>(in.size() - d)) == in[d];
    if (!fits)
      throw py::value_error("run: " + state_->source + " takes " + what + " of shape " +
                            std::string(py::str(py::tuple(py::cast(model::Dims(in.begin() + 1, in.end()))))) +
                            " (N first, or a single one), got " +
                            std::string(py::str(py::tuple(py::cast(
                                std::vector<py::ssize_t>(input.shape(), input.shape() + input.ndim()))))));
    const std::int64_t count = single ? 1 : input.shape(0);
    std::vector<py::ssize_t> shape{count};
    for (size_t d = 1; d < ex.output_dims().size(); ++d) shape.push_back(ex.output_dims()[d]);
    py::array_t<float> out(shape);
    const auto* x = input.data();
    float* y = out.mutable_data();
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> hold(state_->lock);
      for (std::int64_t first = 0; first < count; first += ex.batch()) {
        const int n = static_cast<int>(std::min<std::int64_t>(ex.batch(), count - first));
        ex.run(x + first * ex.input_size(), n, y + first * ex.output_size());
      }
    }
    if (single) return out.reshape(std::vector<py::ssize_t>(shape.begin() + 1, shape.end()));
    return out;
  }

  std::shared_ptr<ModelState> state_;
};

// A stored weight of a model: its clean values, its current ones, and writes that a run then sees.
class Weight {
 public:
  Weight(std::shared_ptr<ModelState> state, engine::WeightSlot* slot)
      : state_(std::move(state)), slot_(slot) {}

  const engine::WeightSlot& slot() const { return *slot_; }
  std::vector<py::ssize_t> shape() const { return {slot_->dims().begin(), slot_->dims().end()}; }

  py::array_t<float> clean() const {
    py::array_t<float> out(shape());
    std::copy(slot_->clean().begin(), slot_->clean().end(), out.mutable_data());
    return out;
  }

  py::array_t<float> values() const {
    py::array_t<float> out(shape());
    float* o = out.mutable_data();
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> hold(state_->lock);
    for (std::int64_t i = 0; i < slot_->size(); ++i) o[i] = slot_->read(i);
    return out;
  }

  void write(const std::vector<std::int64_t>& indices, const std::vector<float>& values) {
    if (indices.size() != values.size())
      throw py::value_error("write: " + std::to_string(indices.size()) + " indices but " +
                            std::to_string(values.size()) + " values");
    check_indices(indices, "write");
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> hold(state_->lock);
    slot_->write(indices, values);
  }

  void write_all(const FloatArray& values) {
    if (values.size() != slot_->size())
      throw py::value_error("write_all: " + slot_->name() + " holds " + std::to_string(slot_->size()) +
                            " values, got " + std::to_string(values.size()));
    const std::span<const float> v(values.data(), static_cast<size_t>(values.size()));
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> hold(state_->lock);
    slot_->write_all(v);
  }

  void restore(const std::optional<std::vector<std::int64_t>>& indices) {
    if (indices) check_indices(*indices, "restore");
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> hold(state_->lock);
    if (indices)
      slot_->restore(*indices);
    else
      slot_->write_all(slot_->clean());
  }

 private:
  void check_indices(const std::vector<std::int64_t>& indices, const char* what) const {
    for (const auto i : indices)
      if (i < 0 || i >= slot_->size())
        throw py::index_error(std::string(what) + ": index " + std::to_string(i) + " is outside the " +
                              std::to_string(slot_->size()) + " elements of " + slot_->name());
  }

  std::shared_ptr<ModelState> state_;
  engine::WeightSlot* slot_;
};

// A built-in dataset's images, preprocessed as the model's sidecar says, and their targets (the index of the
// correct logit).
py::tuple load_images(const std::filesystem::path& model_path, const std::filesystem::path& data_path,
                      std::int64_t images, int threads, const std::filesystem::path& models_dir_path,
                      const std::filesystem::path& assets_dir_path) {
  const std::string model = model_path.string(), data = data_path.string();
  const std::string models_dir = models_dir_path.string(), assets_dir = assets_dir_path.string();
  if (images < 0) throw py::value_error("load_images: images must be >= 0 (0: the whole dataset)");
  data::PreprocessedSet set;
  {
    py::gil_scoped_release release;
    const auto spec = campaign::open_model(model, models_dir).spec;
    if (spec.json_file.empty())
      throw std::invalid_argument("load_images: " + model +
                                  " has no sidecar to say how to preprocess images (write one: flipguard "
                                  "model-init)");
    const std::string name = data.empty() ? spec.dataset : data;
    if (name.empty()) throw std::invalid_argument(spec.name + " declares no default dataset: give data=");
    auto ds = data::open_dataset(name, data::resolve_assets_dir(assets_dir));
    data::BatchLoader loader(std::shared_ptr<const data::Dataset>(std::move(ds)), spec,
                             static_cast<unsigned>(std::max(threads, 1)));
    data::Subset subset;
    subset.limit = static_cast<std::size_t>(images);
    set = loader.preload(subset);
  }
  py::array_t<float> x(
      std::vector<py::ssize_t>{static_cast<py::ssize_t>(set.size()), static_cast<py::ssize_t>(set.channels),
                               static_cast<py::ssize_t>(set.height), static_cast<py::ssize_t>(set.width)});
  std::copy(set.tensor.begin(), set.tensor.end(), x.mutable_data());
  py::array_t<std::int64_t> y(static_cast<py::ssize_t>(set.size()));
  std::copy(set.targets.begin(), set.targets.end(), y.mutable_data());
  return py::make_tuple(x, y);
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Weight>(m, "Weight", "A stored weight tensor of a Model (what faults act on in a campaign).")
      .def_property_readonly("name", [](const Weight& w) { return w.slot().name(); })
      .def_property_readonly(
          "role", [](const Weight& w) { return w.slot().role(); },
          "'conv.weight', 'gemm.weight', 'matmul.weight', 'conv.bias', ...")
      .def_property_readonly("shape", [](const Weight& w) { return py::tuple(py::cast(w.shape())); })
      .def_property_readonly("size", [](const Weight& w) { return w.slot().size(); })
      .def_property_readonly("clean", &Weight::clean, "the fault-free values (ONNX layout), a copy")
      .def("values", &Weight::values, "the values the model runs with now")
      .def("write", &Weight::write, "indices"_a, "values"_a, "sets elements (flat ONNX indices)")
      .def("write_all", &Weight::write_all, "values"_a, "sets every element")
      .def("restore", &Weight::restore, "indices"_a = py::none(),
           "puts clean values back (at the given flat indices, or everywhere)")
      .def("__repr__", [](const Weight& w) {
        return "Weight('" + w.slot().name() + "', " + w.slot().role() + ", " +
               model::dims_to_string(w.slot().dims()) + ")";
      });

  py::class_<Model>(m, "Model",
                    "An ONNX image classifier or causal language model on flipguard's engine (oneDNN).")
      .def(py::init<const std::filesystem::path&, int, int, bool, bool, bool, const std::filesystem::path&>(),
           "model"_a, "batch"_a = 16, "threads"_a = 0, "fold_batchnorm"_a = true, "biases"_a = false,
           "batchnorm"_a = false, "models_dir"_a = "",
           "model: an .onnx file, a sidecar .json or a model name in the models folder. batch: images per "
           "engine run (a model exported with a fixed batch runs at that one, with a warning). threads: 0 "
           "keeps the OpenMP default. biases/batchnorm: also expose biases and "
           "unfolded "
           "BatchNorm parameters as stored weights.")
      .def_property_readonly("source", [](const Model& m) { return m.state()->source; })
      .def_property_readonly("batch", [](const Model& m) { return m.executor().batch(); })
      .def_property_readonly("input_shape",
                             [](const Model& m) {
                               const auto& d = m.executor().input_dims();
                               return py::tuple(py::cast(std::vector<std::int64_t>(d.begin() + 1, d.end())));
                             })
      .def_property_readonly("output_shape",
                             [](const Model& m) {
                               const auto& d = m.executor().output_dims();
                               return py::tuple(py::cast(std::vector<std::int64_t>(d.begin() + 1, d.end())));
                             })
      .def_property_readonly("flops_per_image", [](const Model& m) { return m.executor().flops_per_image(); })
      .def_property_readonly("stored_weight_count",
                             [](const Model& m) { return m.executor().stored_weight_count(); })
      .def(
          "summary", [](const Model& m) { return m.executor().summary(); }, "layers, fusions and memory")
      .def("run", &Model::run, "images"_a,
           "Logits (float32, N x classes) of images (N x C x H x W, or one C x H x W image), in batches; for "
           "a "
           "causal language model, next-token logits (N x L x vocab) of token ids (N x L integers, or one "
           "sequence of L).")
      .def(
          "weights",
          [](const Model& m) {
            std::vector<Weight> out;
            for (auto& slot : m.executor().weights()) out.emplace_back(m.state(), slot.get());
            return out;
          },
          "the stored weights, in execution order")
      .def(
          "weight",
          [](const Model& m, const std::string& name) {
            return Weight(m.state(), &m.executor().weight(name));
          },
          "name"_a);

  m.def(
      "load_images", &load_images, "model"_a, "data"_a = "", "images"_a = 0, "threads"_a = 2,
      "models_dir"_a = "", "assets_dir"_a = "",
      "Images of a built-in dataset (the model's default, or data=) preprocessed as the model's sidecar "
      "says, and their targets: (x float32 N x C x H x W, y int64 N). images > 0: a class-stratified subset "
      "(the one a campaign with the same `images` evaluates).");
  m.def("dataset_names", &data::dataset_names, "the built-in datasets");
}

}  // namespace flipguard::python
