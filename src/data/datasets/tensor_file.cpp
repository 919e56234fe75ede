#include "data/datasets/tensor_file.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>

#include "data/codecs/npy_array.hpp"
#include "data/codecs/zip_archive.hpp"
#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::data {

namespace {

std::string dims(std::int64_t c, std::int64_t h, std::int64_t w) {
  return "(N, " + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
}

void check_inputs(const NpyArray& x, const std::string& source, const TensorFileOptions& o) {
  if (x.kind != 'f' || x.item_bytes != 4)
    throw DataError(source + ": inputs are " + x.dtype() + ", expected float32 (arr.astype(np.float32))");
  if (x.shape.size() != 4 || x.shape[1] != o.channels || x.shape[2] != o.height || x.shape[3] != o.width)
    throw DataError(source + ": inputs have shape " + x.shape_text() + " but the model takes " +
                    dims(o.channels, o.height, o.width) + " (N x C x H x W)");
  if (x.shape[0] == 0) throw DataError(source + ": holds no inputs (N = 0)");
}

std::vector<int> read_labels(const NpyArray& y, const std::string& source, std::int64_t count,
                             int model_classes) {
  if (y.kind != 'i' && y.kind != 'u')
    throw DataError(source + ": labels are " + y.dtype() + ", expected an integer type");
  if (y.shape.size() != 1 || y.shape[0] != count)
    throw DataError(source + ": labels have shape " + y.shape_text() + ", expected (" +
                    std::to_string(count) + ",): one per input");
  std::vector<int> labels(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    std::int64_t v = 0;
    const std::uint8_t* p = y.data.data() + i * static_cast<std::size_t>(y.item_bytes);
    std::uint64_t raw = 0;
    std::memcpy(&raw, p, static_cast<std::size_t>(y.item_bytes));  // little-endian host
    if (y.kind == 'u') {
      if (raw > static_cast<std::uint64_t>(INT32_MAX))
        throw DataError(source + ": label " + std::to_string(raw) + " of input " + std::to_string(i) +
                        " is too large");
      v = static_cast<std::int64_t>(raw);
    } else {
      const int shift = 64 - 8 * y.item_bytes;  // sign-extend
      v = static_cast<std::int64_t>(raw << shift) >> shift;
      if (v > INT32_MAX) v = INT32_MAX;  // out of any model's range, reported below
    }
    if (v < 0 || (model_classes > 0 && v >= model_classes))
      throw DataError(source + ": label " + std::to_string(v) + " of input " + std::to_string(i) +
                      " is outside the model's " + std::to_string(model_classes) + " classes [0, " +
                      std::to_string(model_classes - 1) + "]");
    labels[i] = static_cast<int>(v);
  }
  return labels;
}

}  // namespace

bool is_tensor_file_name(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".npy" || ext == ".npz";
}

PreprocessedSet load_tensor_file(const std::filesystem::path& path, const TensorFileOptions& options) {
  std::string x_source = path.string(), y_source;
  NpyArray x;
  std::optional<NpyArray> y;
  if (lower_extension(path) == ".npz") {
    if (!options.labels_file.empty())
      throw DataError(path.string() +
                      ": an .npz holds its own labels (array y); --labels is for .npy inputs");
    const ZipArchive zip(path);
    if (!zip.contains("x.npy")) {
      std::string names;
      for (const auto& n : zip.names()) names += (names.empty() ? "" : ", ") + n;
      throw DataError(path.string() + ": no array 'x' (holds: " + (names.empty() ? "nothing" : names) +
                      "); save with np.savez(file, x=inputs, y=labels)");
    }
    x_source = path.string() + ":x.npy";
    x = parse_npy(zip.extract("x.npy"), x_source);
    check_inputs(x, x_source, options);
    if (zip.contains("y.npy")) {
      y_source = path.string() + ":y.npy";
      y = parse_npy(zip.extract("y.npy"), y_source);
    }
  } else {
    x = parse_npy(read_file_bytes(path), x_source);
    check_inputs(x, x_source, options);
    if (!options.labels_file.empty()) {
      y_source = options.labels_file.string();
      y = parse_npy(read_file_bytes(options.labels_file), y_source);
    }
  }
  const std::int64_t count = x.shape[0];
  std::vector<int> labels(static_cast<std::size_t>(count), -1);
  int classes = 0;
  if (y) {
    labels = read_labels(*y, y_source, count, options.model_classes);
    for (int l : labels) classes = std::max(classes, l + 1);
  }

  PreprocessedSet set;
  set.channels = static_cast<std::size_t>(options.channels);
  set.height = static_cast<std::size_t>(options.height);
  set.width = static_cast<std::size_t>(options.width);
  set.labelled = y.has_value();
  set.indices = select_subset(labels, classes, options.subset);
  const std::size_t floats = set.sample_floats();
  std::vector<float> all(static_cast<std::size_t>(count) * floats);
  std::memcpy(all.data(), x.data.data(), all.size() * sizeof(float));  // little-endian host, checked dtype
  x.data = {};
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!std::isfinite(all[i]))
      throw DataError(x_source + ": input " + std::to_string(i / floats) + " holds a non-finite value (" +
                      std::to_string(all[i]) + ")");
  for (std::size_t idx : set.indices) {
    set.targets.push_back(y ? labels[idx] + options.label_offset : -1);
    set.content.push_back(
        hashing::fnv1a(hashing::kFnvOffset, all.data() + idx * floats, floats * sizeof(float)));
  }
  if (set.indices.size() == static_cast<std::size_t>(count)) {
    set.tensor = std::move(all);
  } else {
    set.tensor.resize(set.indices.size() * floats);
    for (std::size_t i = 0; i < set.indices.size(); ++i)
      std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(set.indices[i] * floats), floats,
                  set.tensor.begin() + static_cast<std::ptrdiff_t>(i * floats));
  }
  return set;
}

}  // namespace flipguard::data
