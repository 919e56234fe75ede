// A user's own data through --data: folders of class subfolders or of unlabelled images, list files, tensor
// files (.npy/.npz); every bad input a one-line DataError naming the file.
#include <gtest/gtest.h>

#include <cstring>

#include "data/codecs/npy_array.hpp"
#include "data/codecs/zip_archive.hpp"
#include "data/data_error.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/datasets/image_folder.hpp"
#include "data/datasets/list_file.hpp"
#include "data/datasets/tensor_file.hpp"
#include "data/file_io.hpp"
#include "data/loading/data_source.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::TempDir;
using testing::write_file;

fs::path cifar_jpeg(const std::string& cls, int i) {
  char name[16];
  std::snprintf(name, sizeof name, "%04d.jpg", i);
  return testing::assets_dir() / "cifar10" / "test-jpeg" / cls / name;
}

void copy_image(const std::string& cls, int i, const fs::path& to) {
  fs::create_directories(to.parent_path());
  fs::copy_file(cifar_jpeg(cls, i), to, fs::copy_options::overwrite_existing);
}

// ResNet-20's input and preprocessing, 10 outputs.
Manifest cifar_model() {
  Manifest m;
  m.name = "cifar";
  m.input = {"input", 3, 32, 32};
  m.output = {"logits", 10, 0};
  m.preprocess.scale = 1.0 / 255;
  m.preprocess.mean = {0.485, 0.456, 0.406};
  m.preprocess.std = {0.229, 0.224, 0.225};
  return m;
}

// A model taking 3 x 2 x 2 inputs (the tensor fixtures), `classes` outputs.
Manifest tiny_model(int classes = 10) {
  Manifest m = cifar_model();
  m.input = {"input", 3, 2, 2};
  m.output.classes = classes;
  return m;
}

fs::path fixture(const std::string& name) {
  return testing::tests_dir() / "fixtures" / "tensors" / name;
}

LoadedData load(const std::string& data, const Manifest& model, const std::string& classes = "",
                const std::string& labels = "") {
  DataRequest r;
  r.data = data;
  r.assets_dir = testing::assets_dir();
  r.classes_file = classes;
  r.labels_file = labels;
  return load_data(r, model);
}

// --- folders ---

TEST(OwnData, ClassFoldersAreLabelledInSortedNameOrder) {
  TempDir dir("folder");
  copy_image("cat", 0, dir / "imgs/b_cat/x.jpg");
  copy_image("cat", 1, dir / "imgs/b_cat/nested/y.JPEG");  // subfolders of a class count, any case
  copy_image("airplane", 0, dir / "imgs/a_plane/z.jpg");
  fs::create_directories(dir / "imgs/b_cat");
  std::ofstream(dir / "imgs/b_cat/notes.txt") << "not an image";  // other files are not images: ignored
  const auto d = open_image_folder(dir / "imgs", "folder:imgs", {});
  ASSERT_EQ(d->size(), 3u);
  EXPECT_TRUE(d->labelled());
  EXPECT_EQ(d->num_classes(), 2);
  EXPECT_EQ(d->label(0), 0);
  EXPECT_NE(d->source(0).find("a_plane"), std::string::npos);
  EXPECT_EQ(d->label(1), 1);
  EXPECT_EQ(d->label(2), 1);
  const auto loaded = load((dir / "imgs").string(), cifar_model());
  EXPECT_EQ(loaded.name, "folder:imgs");
  EXPECT_FALSE(loaded.builtin);
  EXPECT_TRUE(loaded.images.labelled);
  EXPECT_EQ(loaded.images.targets, (std::vector<int>{0, 1, 1}));
}

TEST(OwnData, AClassesFileMapsFolderNamesToTheModelsOutputs) {
  TempDir dir("classes");
  copy_image("ship", 0, dir / "imgs/ship/a.jpg");
  copy_image("cat", 0, dir / "imgs/cat/b.jpg");
  std::ofstream(dir / "classes.txt")
      << "airplane first class\nautomobile\nbird\ncat, a pet\ndeer\ndog\nfrog\n"
         "horse\nship\ntruck\n";
  const auto loaded = load((dir / "imgs").string(), cifar_model(), (dir / "classes.txt").string());
  EXPECT_EQ(loaded.images.targets, (std::vector<int>{3, 8}));  // cat, ship: their lines, not sorted order
  // The same folders as built-in cifar10-jpeg images: the same pixels give the same inputs.
  const auto builtin = load("cifar10-jpeg", cifar_model());
  EXPECT_EQ(builtin.name, "cifar10-jpeg");
  EXPECT_TRUE(builtin.builtin);
  EXPECT_TRUE(builtin.complete);
  const std::size_t cat0 = 3000;  // class-major: 1000 per class
  ASSERT_EQ(builtin.images.targets[cat0], 3);
  const auto a = loaded.images.batch(0, 1), b = builtin.images.batch(cat0, 1);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
  EXPECT_EQ(loaded.images.content[0], builtin.images.content[cat0]);

  std::ofstream(dir / "short.txt") << "airplane\ncat\n";
  const std::string e =
      error_of([&] { load((dir / "imgs").string(), cifar_model(), (dir / "short.txt").string()); });
  EXPECT_NE(e.find("ship"), std::string::npos) << e;
  EXPECT_NE(e.find("short.txt"), std::string::npos) << e;
  std::ofstream(dir / "twice.txt") << "cat\nship\ncat\n";
  EXPECT_NE(error_of([&] { read_class_names(dir / "twice.txt"); }).find("twice.txt:3"), std::string::npos);
}

TEST(OwnData, FolderErrorsNameTheFolder) {
  TempDir dir("bad-folders");
  fs::create_directories(dir / "empty");
  EXPECT_NE(error_of([&] { load((dir / "empty").string(), cifar_model()); }).find("empty: no JPEG images"),
            std::string::npos);
  copy_image("cat", 0, dir / "noimg/cat/a.jpg");
  fs::create_directories(dir / "noimg/dog");
  const std::string e = error_of([&] { load((dir / "noimg").string(), cifar_model()); });
  EXPECT_NE(e.find("dog: class folder with no JPEG images"), std::string::npos) << e;
  copy_image("cat", 0, dir / "mixed/cat/a.jpg");
  copy_image("cat", 1, dir / "mixed/b.jpg");
  EXPECT_NE(error_of([&] { load((dir / "mixed").string(), cifar_model()); }).find("holds both images"),
            std::string::npos);
  copy_image("cat", 0, dir / "png/a.jpg");
  std::ofstream(dir / "png/b.png") << "x";
  EXPECT_NE(error_of([&] { load((dir / "png").string(), cifar_model()); }).find("b.png: only JPEG"),
            std::string::npos);
  // Eleven class folders for a 10-class model: a label outside the model's classes.
  for (int c = 0; c < 11; ++c) copy_image("cat", 0, dir / ("many/c" + std::to_string(c + 10)) / "a.jpg");
  const std::string many = error_of([&] { load((dir / "many").string(), cifar_model()); });
  EXPECT_NE(many.find("c20"), std::string::npos) << many;
  EXPECT_NE(many.find("label 10"), std::string::npos) << many;
  EXPECT_NE(many.find("--classes"), std::string::npos) << many;
  const std::string none = error_of([&] { load((dir / "nothing-here").string(), cifar_model()); });
  EXPECT_NE(none.find("nothing-here"), std::string::npos) << none;
  EXPECT_NE(none.find("cifar10-jpeg"), std::string::npos) << none;
}

TEST(OwnData, AFolderOfImagesWithoutSubfoldersHasNoLabels) {
  TempDir dir("unlabelled");
  copy_image("cat", 0, dir / "imgs/b.jpg");
  copy_image("dog", 0, dir / "imgs/a.jpg");
  const auto loaded = load((dir / "imgs").string(), cifar_model());
  EXPECT_EQ(loaded.name, "images:imgs");
  EXPECT_FALSE(loaded.images.labelled);
  EXPECT_EQ(loaded.images.targets, (std::vector<int>{-1, -1}));
  EXPECT_EQ(loaded.images.size(), 2u);
  // A subset of unlabelled images is the first ones (there are no classes to stratify by).
  DataRequest r;
  r.data = (dir / "imgs").string();
  r.subset.limit = 1;
  const auto one = load_data(r, cifar_model());
  EXPECT_EQ(one.images.size(), 1u);
  EXPECT_FALSE(one.complete);
  EXPECT_EQ(one.images.content[0], loaded.images.content[0]);
  std::ofstream(dir / "c.txt") << "cat\n";
  EXPECT_NE(error_of([&] {
              load((dir / "imgs").string(), cifar_model(), (dir / "c.txt").string());
            }).find("no class subfolders"),
            std::string::npos);
}

// --- list files ---

TEST(OwnData, ListFilesReadCsvAndBlankSeparatedLines) {
  TempDir dir("list");
  copy_image("cat", 0, dir / "img/a.jpg");
  copy_image("ship", 0, dir / "img/b c.jpg");
  std::ofstream(dir / "list.csv") << "path,label\nimg/a.jpg,3\n# a comment\n\nimg/b c.jpg , 8\n";
  const auto loaded = load((dir / "list.csv").string(), cifar_model());
  EXPECT_EQ(loaded.name, "list:list.csv");
  EXPECT_EQ(loaded.images.targets, (std::vector<int>{3, 8}));
  std::ofstream(dir / "list.txt") << "img/a.jpg 3\n" << (dir / "img/b c.jpg").string() << "\t8\n";
  EXPECT_EQ(load((dir / "list.txt").string(), cifar_model()).images.content, loaded.images.content);
}

TEST(OwnData, ListFileErrorsNameTheFileAndLine) {
  TempDir dir("bad-list");
  copy_image("cat", 0, dir / "a.jpg");
  const auto error_for = [&](const std::string& text) {
    std::ofstream(dir / "l.csv") << text;
    return error_of([&] { load((dir / "l.csv").string(), cifar_model()); });
  };
  EXPECT_NE(error_for("a.jpg,1\nmissing.jpg,2\n").find("l.csv:2: image file"), std::string::npos);
  EXPECT_NE(error_for("a.jpg,1\nmissing.jpg,2\n").find("does not exist"), std::string::npos);
  EXPECT_NE(error_for("a.jpg,10\n").find("l.csv:1: label 10 is outside the model's 10 classes"),
            std::string::npos);
  EXPECT_NE(error_for("a.jpg,-1\n").find("l.csv:1: label -1 is negative"), std::string::npos);
  EXPECT_NE(error_for("a.jpg,1\na.jpg,x\n").find("l.csv:2: label 'x' is not an integer"), std::string::npos);
  EXPECT_NE(error_for("a.jpg\n").find("l.csv:1: expected"), std::string::npos);
  EXPECT_NE(error_for("# nothing\n").find("l.csv: lists no images"), std::string::npos);
  EXPECT_NE(error_for("a.png,1\n").find("not a JPEG file name"), std::string::npos);
}

// --- NPY and zip readers ---

std::vector<std::uint8_t> npy(const std::string& header_dict, std::size_t data_bytes) {
  std::string header = header_dict;
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += '\x01';
  file += '\0';
  file += static_cast<char>(header.size() & 0xff);
  file += static_cast<char>(header.size() >> 8);
  file += header + std::string(data_bytes, '\0');
  return {file.begin(), file.end()};
}

TEST(OwnData, NpyHeadersAreParsedStrictly) {
  const auto a = parse_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24), "t.npy");
  EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a.dtype(), "float32");
  EXPECT_EQ(a.data.size(), 24u);
  const auto scalar = parse_npy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", 1), "s.npy");
  EXPECT_EQ(scalar.elements(), 1);
  const auto e = [](const std::string& dict, std::size_t bytes) {
    return error_of([&] { parse_npy(npy(dict, bytes), "t.npy"); });
  };
  EXPECT_NE(e("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8)
                .find("t.npy: dtype '>f4' is big-endian"),
            std::string::npos);
  EXPECT_NE(e("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8).find("Fortran order"),
            std::string::npos);
  EXPECT_NE(e("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20).find("t.npy: truncated"),
            std::string::npos);
  EXPECT_NE(e("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12).find("4 bytes after the data"),
            std::string::npos);
  EXPECT_NE(e("{'descr': '<U8', 'fortran_order': False, 'shape': (2,), }", 64).find("not a number type"),
            std::string::npos);
  EXPECT_NE(e("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8).find("t.npy"),
            std::string::npos);
  EXPECT_NE(e("{'descr': '<f4', 'shape': (2,), }", 8).find("no 'fortran_order' key"), std::string::npos);
  EXPECT_NE(e("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8).find("shape"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_npy({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0}, "z.npy");
            }).find("z.npy: not a .npy"),
            std::string::npos);
  auto cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  cut.resize(30);
  EXPECT_NE(error_of([&] { parse_npy(cut, "c.npy"); }).find("c.npy: truncated .npy file"), std::string::npos);
}

TEST(OwnData, ZipMembersOfSavezAndSavezCompressedReadBack) {
  const auto x_npy = read_file_bytes(fixture("x.npy"));
  const ZipArchive stored(fixture("xy_stored.npz"));
  EXPECT_EQ(stored.names(), (std::vector<std::string>{"x.npy", "y.npy"}));
  EXPECT_EQ(stored.extract("x.npy"), x_npy);
  const ZipArchive deflated(fixture("x_deflate.npz"));
  EXPECT_EQ(deflated.extract("x.npy"), x_npy);
  // A flipped byte in the member data fails the CRC; a cut archive has no end record.
  auto bytes = read_file_bytes(fixture("xy_stored.npz"));
  const std::size_t at = 200;  // inside x.npy's data
  bytes[at] ^= 0x40;
  const ZipArchive damaged(bytes, "d.npz");
  EXPECT_NE(error_of([&] { damaged.extract("x.npy"); }).find("d.npz:x.npy: CRC-32 mismatch"),
            std::string::npos);
  bytes.resize(300);
  EXPECT_NE(error_of([&] { ZipArchive(bytes, "cut.npz"); }).find("cut.npz: not a zip archive"),
            std::string::npos);
}

// --- tensor files ---

TEST(OwnData, TensorFilesFeedTheModelAsTheyAre) {
  const auto npz = load(fixture("xy_stored.npz").string(), tiny_model());
  EXPECT_EQ(npz.name, "tensor:xy_stored.npz");
  EXPECT_TRUE(npz.images.labelled);
  EXPECT_EQ(npz.images.targets, (std::vector<int>{7, 2}));
  ASSERT_EQ(npz.images.tensor.size(), 24u);
  for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(npz.images.tensor[i], (static_cast<float>(i) - 5) / 4);
  const auto npy_pair = load(fixture("x.npy").string(), tiny_model(), "", fixture("y_u8.npy").string());
  EXPECT_EQ(npy_pair.images.tensor, npz.images.tensor);
  EXPECT_EQ(npy_pair.images.targets, npz.images.targets);
  EXPECT_EQ(npy_pair.images.content, npz.images.content);  // the inputs' bytes, however they are stored
  const auto unlabelled = load(fixture("x_deflate.npz").string(), tiny_model());
  EXPECT_FALSE(unlabelled.images.labelled);
  EXPECT_EQ(unlabelled.images.tensor, npz.images.tensor);
  // With the label offset of a 1001-class model, targets shift as for images.
  Manifest offset = tiny_model(1001);
  offset.output.label_offset = 1;
  EXPECT_EQ(load(fixture("xy_stored.npz").string(), offset).images.targets, (std::vector<int>{8, 3}));
}

TEST(OwnData, TensorFileErrorsNameTheFile) {
  // Wrong shape for the model: the file's shape and the model's are both named.
  const std::string shape = error_of([] { load(fixture("x.npy").string(), cifar_model()); });
  EXPECT_NE(shape.find("x.npy: inputs have shape (2, 3, 2, 2) but the model takes (N, 3, 32, 32)"),
            std::string::npos)
      << shape;
  // A label the model cannot score.
  const std::string label = error_of([] { load(fixture("xy_stored.npz").string(), tiny_model(5)); });
  EXPECT_NE(label.find("xy_stored.npz:y.npy: label 7 of input 0 is outside the model's 5 classes"),
            std::string::npos)
      << label;
  EXPECT_NE(error_of([] {
              load(fixture("no_x.npz").string(), tiny_model());
            }).find("no array 'x' (holds: inputs.npy)"),
            std::string::npos);
  TempDir dir("bad-tensors");
  // Wrong dtype: float64 inputs; float labels; labels of another count.
  auto f64 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 2, 2), }", 96);
  write_file(dir / "f64.npy", std::string(f64.begin(), f64.end()));
  EXPECT_NE(error_of([&] {
              load((dir / "f64.npy").string(), tiny_model());
            }).find("f64.npy: inputs are float64, expected float32"),
            std::string::npos);
  auto fy = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
  write_file(dir / "fy.npy", std::string(fy.begin(), fy.end()));
  EXPECT_NE(error_of([&] {
              load(fixture("x.npy").string(), tiny_model(), "", (dir / "fy.npy").string());
            }).find("fy.npy: labels are float32, expected an integer type"),
            std::string::npos);
  auto y3 = npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", 12);
  write_file(dir / "y3.npy", std::string(y3.begin(), y3.end()));
  EXPECT_NE(error_of([&] {
              load(fixture("x.npy").string(), tiny_model(), "", (dir / "y3.npy").string());
            }).find("y3.npy: labels have shape (3,), expected (2,)"),
            std::string::npos);
  // A truncated .npy.
  const auto x = read_file_bytes(fixture("x.npy"));
  write_file(dir / "cut.npy", std::string(x.begin(), x.end() - 10));
  EXPECT_NE(error_of([&] { load((dir / "cut.npy").string(), tiny_model()); }).find("cut.npy: truncated"),
            std::string::npos);
  // A non-finite input.
  const auto zeros = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2, 2), }", 96);
  std::string nan(zeros.begin(), zeros.end());
  const float v = NAN;
  char nan_bytes[4];
  std::memcpy(nan_bytes, &v, 4);
  nan.replace(nan.size() - 4, 4, nan_bytes, 4);
  write_file(dir / "nan.npy", nan);
  EXPECT_NE(error_of([&] {
              load((dir / "nan.npy").string(), tiny_model());
            }).find("nan.npy: input 1 holds a non-finite"),
            std::string::npos);
  // --labels belongs to a .npy; --classes to a folder.
  EXPECT_NE(error_of([] {
              load(fixture("xy_stored.npz").string(), tiny_model(), "", fixture("y_u8.npy").string());
            }).find("--labels is for .npy inputs"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              load(fixture("x.npy").string(), tiny_model(), fixture("x.npy").string());
            }).find("--classes"),
            std::string::npos);
}

TEST(OwnData, SubsetsOfLabelsAreStratified) {
  const std::vector<int> labels{0, 0, 0, 1, 1, 2};
  Subset s;
  s.limit = 3;
  EXPECT_EQ(select_subset(labels, 3, s), (std::vector<std::size_t>{0, 3, 5}));
  EXPECT_EQ(select_subset(std::vector<int>{-1, -1, -1}, 0, s), (std::vector<std::size_t>{0, 1, 2}));
  s.limit = 2;
  EXPECT_EQ(select_subset(std::vector<int>{-1, -1, -1}, 0, s), (std::vector<std::size_t>{0, 1}));
}

}  // namespace
}  // namespace flipguard::data
