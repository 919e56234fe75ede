// Hostile inputs to the data layer, built in temp folders: FIFOs where files are expected (which blocked
// open() forever), links that lead back up a dataset's folders, text files in other encodings or holding
// bytes no text has, list-file labels that only look like a header, a single class folder.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "data/data_error.hpp"
#include "data/datasets/image_folder.hpp"
#include "data/datasets/list_file.hpp"
#include "data/file_io.hpp"
#include "data/loading/data_source.hpp"
#include "data/test_support.hpp"
#include "platform/utf8.hpp"

namespace flipguard::data {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using namespace std::string_literals;
using testing::TempDir;
using testing::write_file;

void copy_image(const std::string& cls, int i, const fs::path& to) {
  char name[16];
  std::snprintf(name, sizeof name, "%04d.jpg", i);
  fs::create_directories(to.parent_path());
  fs::copy_file(testing::assets_dir() / "cifar10" / "test-jpeg" / cls / name, to,
                fs::copy_options::overwrite_existing);
}

Manifest cifar_model() {
  Manifest m;
  m.name = "cifar";
  m.input = {"input", 3, 32, 32};
  m.output = {"logits", 10, 0};
  m.preprocess.scale = 1.0 / 255;
  m.preprocess.mean = {0, 0, 0};
  m.preprocess.std = {1, 1, 1};
  return m;
}

LoadedData load(const fs::path& data, BadImages bad_images = BadImages::kFail, const fs::path& classes = {}) {
  DataRequest r;
  r.data = data.string();
  r.classes_file = classes;
  r.bad_images = bad_images;
  return load_data(r, cifar_model());
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

// Two classes of two real images each.
fs::path two_classes(const TempDir& dir) {
  for (int i = 0; i < 2; ++i) {
    copy_image("cat", i, dir / "imgs" / "cat" / ("c" + std::to_string(i) + ".jpg"));
    copy_image("dog", i, dir / "imgs" / "dog" / ("d" + std::to_string(i) + ".jpg"));
  }
  return dir / "imgs";
}

// --- FIFOs and other files that are no regular files ---

TEST(HostileFiles, AFifoWhereAFileIsReadIsRefusedNamingIt) {
  TempDir dir("fifo");
  const fs::path fifo = dir / "list.txt";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const std::string expected = fifo.string() + ": is a FIFO, not a regular file";
  EXPECT_EQ(error_of([&] { read_text_file(fifo); }), expected);
  EXPECT_EQ(error_of([&] { read_file_bytes(fifo); }), expected);
  EXPECT_EQ(error_of([&] { read_gzip_file(fifo); }), expected);
  EXPECT_EQ(error_of([&] { open_list_file(fifo, "list", 10); }), expected);
  EXPECT_EQ(error_of([&] { read_class_names(fifo); }), expected);
  EXPECT_EQ(error_of([&] { load(two_classes(dir), BadImages::kFail, fifo); }), expected);
}

TEST(HostileFiles, AFifoNamedLikeAnImageFailsOrIsSkippedLikeAnyBadImage) {
  TempDir dir("fifo-image");
  const fs::path root = two_classes(dir);
  const fs::path fifo = root / "cat" / "c9.jpg";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_HAS(error_of([&] { load(root); }), fifo.string() + ": not a regular file (a FIFO)");
  const LoadedData skipped = load(root, BadImages::kSkip);
  EXPECT_EQ(skipped.images.size(), 4u);
  ASSERT_EQ(skipped.images.skipped.size(), 1u);
  EXPECT_HAS(skipped.images.skipped[0].reason, fifo.string() + ": is a FIFO");
  // A FIFO not named like an image is no part of the dataset, like any other file.
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo((root / "cat" / "pipe").c_str(), 0644), 0);
  EXPECT_EQ(load(root).images.size(), 4u);
}

// --- links ---

TEST(HostileFiles, ALinkBackUpTheFoldersIsAnErrorNamingIt) {
  TempDir dir("loop");
  const fs::path root = two_classes(dir);
  // Followed 40 levels deep before: 100 "images" from 20 files.
  fs::create_directory_symlink("..", root / "cat" / "up");
  EXPECT_HAS(error_of([&] { load(root); }), (root / "cat" / "up").string() + ": leads to");
  fs::remove(root / "cat" / "up");
  fs::create_directory_symlink(".", root / "cat" / "self");
  EXPECT_HAS(error_of([&] { load(root); }), (root / "cat" / "self").string() + ": leads to");
  fs::remove(root / "cat" / "self");
  fs::create_directory_symlink("../..", root / "cat" / "above");  // above the data folder
  EXPECT_HAS(error_of([&] { load(root); }), (root / "cat" / "above").string() + ": leads to");
  fs::remove(root / "cat" / "above");
  fs::create_directory_symlink("../dog", root / "cat" / "dogs");  // another class's images as cats
  EXPECT_HAS(error_of([&] { load(root); }), (root / "cat" / "dogs").string() + ": leads to");
  fs::remove(root / "cat" / "dogs");
  EXPECT_EQ(load(root).images.size(), 4u);
}

TEST(HostileFiles, AClassFolderThatIsTheDataFolderIsAnErrorNamingIt) {
  TempDir dir("class-link");
  const fs::path root = two_classes(dir);
  // Labelled every image of every class "all" before.
  fs::create_directory_symlink(".", root / "all");
  const std::string e = error_of([&] { load(root); });
  EXPECT_HAS(e, (root / "all").string() + ": leads to");
  EXPECT_HAS(e, "the data folder");
  fs::remove(root / "all");
  fs::create_directory_symlink("..", root / "parent");
  EXPECT_HAS(error_of([&] { load(root); }), (root / "parent").string() + ": leads to");
  fs::remove(root / "parent");
  fs::create_directory_symlink("cat", root / "kitten");  // two classes, one folder
  EXPECT_HAS(error_of([&] { load(root); }), "class folder 'cat'");
}

TEST(HostileFiles, LinksToImagesAndFoldersElsewhereAreKeptButNoFileCountsTwice) {
  TempDir dir("links-kept");
  const fs::path root = two_classes(dir);
  // Datasets are symlinked into place: a class folder or an image that is a link to elsewhere is read.
  copy_image("bird", 0, dir / "elsewhere" / "birds" / "b0.jpg");
  copy_image("bird", 1, dir / "elsewhere" / "b1.jpg");
  fs::create_directory_symlink(dir / "elsewhere" / "birds", root / "bird");
  fs::create_symlink(dir / "elsewhere" / "b1.jpg", root / "bird-extra.jpg");
  EXPECT_HAS(error_of([&] { load(root); }), "holds both images");  // the usual layout rule still applies
  fs::remove(root / "bird-extra.jpg");
  fs::create_symlink(dir / "elsewhere" / "b1.jpg", root / "cat" / "b1.jpg");
  const LoadedData loaded = load(root);
  EXPECT_EQ(loaded.images.targets, (std::vector<int>{0, 1, 1, 1, 2, 2}));  // bird; cat (3); dog
  // The same file twice in one dataset, through a link.
  fs::create_symlink(root / "cat" / "c0.jpg", root / "dog" / "d9.jpg");
  EXPECT_HAS(error_of([&] { load(root); }), (root / "dog" / "d9.jpg").string() + ": the same file as");
}

// --- text files ---

TEST(HostileFiles, TextFilesAreUtf8WithOrWithoutBomOrUtf16) {
  TempDir dir("text");
  const std::string names = "cat\r\ndog\r\n";
  write_file(dir / "bom.txt", "\xEF\xBB\xBF" + names);
  EXPECT_EQ(read_class_names(dir / "bom.txt"), (std::vector<std::string>{"cat", "dog"}));
  std::string le = "\xFF\xFE", be = "\xFE\xFF";
  // "cat\r\ndog" then U+00E9 and U+1F600 (a surrogate pair), in both byte orders.
  const std::u16string text = u"cat\r\ndog\n\u00e9\U0001F600\n";
  for (const char16_t u : text) {
    le += static_cast<char>(u & 0xFF);
    le += static_cast<char>(u >> 8);
    be += static_cast<char>(u >> 8);
    be += static_cast<char>(u & 0xFF);
  }
  write_file(dir / "le.txt", le);
  write_file(dir / "be.txt", be);
  const std::vector<std::string> decoded{"cat", "dog", "\xC3\xA9\xF0\x9F\x98\x80"};
  EXPECT_EQ(read_class_names(dir / "le.txt"), decoded);
  EXPECT_EQ(read_class_names(dir / "be.txt"), decoded);
  write_file(dir / "odd.txt", le + "x");
  EXPECT_HAS(error_of([&] { read_text_file(dir / "odd.txt"); }), "odd.txt:4: UTF-16 LE text ends in half");
  write_file(dir / "lone.txt",
             "\xFF\xFE"
             "a\0\n\0\x00\xD8"s);
  EXPECT_HAS(error_of([&] { read_text_file(dir / "lone.txt"); }),
             "lone.txt:2: UTF-16 LE text holds an unpaired");
}

TEST(HostileFiles, BadBytesInTextFilesAreErrorsNamingFileAndLine) {
  TempDir dir("bad-text");
  write_file(dir / "latin1.txt", "cat\ndog\ncaf\xE9\n");
  EXPECT_HAS(error_of([&] { read_class_names(dir / "latin1.txt"); }),
             (dir / "latin1.txt").string() + ":3: not valid UTF-8");
  // A NUL used to cut the message short at the NUL; UTF-16 without its byte-order mark reads the same.
  write_file(dir / "nul.txt", "a.jpg,1\nb.jpg,2\nc\0.jpg,3\n"s);
  EXPECT_EQ(
      error_of([&] { open_list_file(dir / "nul.txt", "list", 10); }),
      (dir / "nul.txt").string() +
          ":3: holds a NUL byte, which text does not (UTF-16 text needs its byte-order mark; save the file "
          "as UTF-8)");
}

// --- list files ---

TEST(HostileFiles, AFirstLineIsAHeaderOnlyIfItsLabelIsNoNumberAtAll) {
  TempDir dir("header");
  copy_image("cat", 0, dir / "a.jpg");
  copy_image("dog", 0, dir / "b.jpg");
  // "0.0" was taken for a header and the line silently dropped.
  write_file(dir / "float.csv", "a.jpg,0.0\nb.jpg,1\n");
  EXPECT_EQ(
      error_of([&] { open_list_file(dir / "float.csv", "list", 10); }),
      (dir / "float.csv").string() + ":1: label '0.0' is not an integer; labels are class indices 0, 1, ...");
  write_file(dir / "exp.csv", "a.jpg,1e0\nb.jpg,1\n");
  EXPECT_HAS(error_of([&] { open_list_file(dir / "exp.csv", "list", 10); }), "exp.csv:1: label '1e0' is not");
  for (const char* header : {"path,label", "file,class", "# images\nimage label"}) {
    write_file(dir / "h.csv", std::string(header) + "\na.jpg,0\nb.jpg,1\n");
    EXPECT_EQ(open_list_file(dir / "h.csv", "list", 10)->size(), 2u) << header;
  }
  // Only the first line may be a header.
  write_file(dir / "late.csv", "a.jpg,0\nb.jpg,label\n");
  EXPECT_HAS(error_of([&] { open_list_file(dir / "late.csv", "list", 10); }), "late.csv:2: label 'label'");
}

// --- what the user is told ---

TEST(HostileFiles, ASingleClassFolderIsLabelledZeroWithANote) {
  TempDir dir("one-class");
  copy_image("cat", 0, dir / "imgs" / "cat" / "a.jpg");
  const LoadedData loaded = load(dir / "imgs");
  EXPECT_EQ(loaded.images.targets, std::vector<int>{0});
  ASSERT_EQ(loaded.notes.size(), 1u);
  EXPECT_HAS(loaded.notes[0], "single class folder");
  EXPECT_HAS(loaded.notes[0], "--classes");
  write_file(dir / "classes.txt", "dog\ncat\n");  // labelled by a classes file: as meant, no note
  EXPECT_TRUE(load(dir / "imgs", BadImages::kFail, dir / "classes.txt").notes.empty());
  copy_image("dog", 0, dir / "imgs" / "dog" / "b.jpg");
  EXPECT_TRUE(load(dir / "imgs").notes.empty());
}

TEST(HostileFiles, ADataFolderNamedInBytesThatAreNotUtf8GetsAUtf8Name) {
  TempDir dir("non-utf8");
  const fs::path root = dir / "data\xFF";
  copy_image("cat", 0, root / "cat" / "a.jpg");
  copy_image("dog", 0, root / "dog" / "b.jpg");
  const LoadedData loaded = load(root);
  EXPECT_EQ(loaded.name, "folder:data\\xFF");
  EXPECT_EQ(loaded.images.size(), 2u);
  // Valid UTF-8 names stay exactly as they were (campaign identities include the name).
  fs::rename(root, dir / "caf\xC3\xA9");
  EXPECT_EQ(load(dir / "caf\xC3\xA9").name, "folder:caf\xC3\xA9");
}

}  // namespace
}  // namespace flipguard::data
