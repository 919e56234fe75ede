// A hostile or careless user of the own-model/own-data surface, the cases that failed: a link or a file that
// happens to carry the name of an output's temporary (the link was followed and its target overwritten, the
// file truncated), a replaced private output left readable by all, an .npz holding two members of one name
// (read as the first where NumPy reads the last), a misspelt top-level sidecar key (ignored: "sha-256" left
// the model unchecked), a device or folder given to merge as an input (called "no such file").
// Tried and passing, tested here: a 250-byte output name; an .npz of one member; free text under "notes"; a
// missing merge input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "onnx_files.hpp"
#include "support/cli_run.hpp"

namespace flipguard::robustness {

using namespace flipguard::testing;
namespace fs = std::filesystem;
namespace {

std::vector<std::string> run_args(const std::string& model, const fs::path& data, const fs::path& out) {
  return {"run", "--model", model, "--data", data.string(), "--out", out.string()};
}

// A zip archive of stored members (what np.savez writes), members given in order, duplicates allowed.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  auto le = [](std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  std::string body, directory;
  for (const auto& [name, data] : members) {
    const auto crc = static_cast<std::uint32_t>(
        ::crc32(0, reinterpret_cast<const unsigned char*>(data.data()), static_cast<unsigned>(data.size())));
    const std::uint64_t offset = body.size();
    std::string local;
    le(local, 0x04034b50, 4);
    le(local, 20, 2);  // version
    le(local, 0, 2);   // flags
    le(local, 0, 2);   // stored
    le(local, 0, 4);   // time, date
    le(local, crc, 4);
    le(local, data.size(), 4);
    le(local, data.size(), 4);
    le(local, name.size(), 2);
    le(local, 0, 2);
    body += local + name + data;
    le(directory, 0x02014b50, 4);
    le(directory, 20, 2);
    le(directory, 20, 2);
    le(directory, 0, 2);
    le(directory, 0, 2);
    le(directory, 0, 4);
    le(directory, crc, 4);
    le(directory, data.size(), 4);
    le(directory, data.size(), 4);
    le(directory, name.size(), 2);
    le(directory, 0, 2);  // extra
    le(directory, 0, 2);  // comment
    le(directory, 0, 2);  // disk
    le(directory, 0, 2);  // internal attributes
    le(directory, 0, 4);  // external attributes
    le(directory, offset, 4);
    directory += name;
  }
  std::string end;
  le(end, 0x06054b50, 4);
  le(end, 0, 4);
  le(end, members.size(), 2);
  le(end, members.size(), 2);
  le(end, directory.size(), 4);
  le(end, body.size(), 4);
  le(end, 0, 2);
  return body + directory + end;
}

TEST(HostileUser, NothingNamedLikeAnOutputsTemporaryIsFollowedOrTruncated) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  write_file(dir / "x.npy", npy_inputs(2));
  const std::string input = read_file(dir / "x.npy");
  // A link named as the temporary used to be ("OUT.writing"), pointing at the run's own input.
  fs::create_symlink(dir / "x.npy", dir / "out.npy.writing");
  // A file of the user's under that name.
  write_file(dir / "other.npy.writing", "keep me");
  for (const char* out : {"out.npy", "other.npy"}) {
    const auto r = run_cli(run_args(model, dir / "x.npy", dir / out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir / out).substr(0, 6), "\x93NUMPY");
  }
  EXPECT_EQ(read_file(dir / "x.npy"), input);
  EXPECT_TRUE(fs::is_symlink(dir / "out.npy.writing"));
  EXPECT_EQ(read_file(dir / "other.npy.writing"), "keep me");
  // No temporary is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 7);  // tiny.onnx, tiny.json, x.npy, out.npy, other.npy, other.npy.writing, the link
}

TEST(HostileUser, AReplacedOutputKeepsItsPermissionsAndALongNameWorks) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  write_file(dir / "x.npy", npy_inputs(2));
  write_file(dir / "private.npy", "old");
  ASSERT_EQ(::chmod((dir / "private.npy").c_str(), 0600), 0);
  ASSERT_EQ(run_cli(run_args(model, dir / "x.npy", dir / "private.npy")).exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "private.npy").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A name of 250 bytes: the temporary's name beside it must still fit NAME_MAX.
  const std::string long_name = std::string(246, 'L') + ".npy";
  const auto r = run_cli(run_args(model, dir / "x.npy", dir / long_name));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(dir / long_name));
}

TEST(HostileUser, AnNpzWithTwoMembersOfOneNameIsRefused) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  write_file(dir / "two.npz", stored_zip({{"x.npy", npy_inputs(2)}, {"x.npy", npy_inputs(2, 1.0f)}}));
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, dir / "two.npz", dir / "o.npy")),
                             {"two.npz", "two members named x.npy"}));
  // The same archive with one member runs.
  write_file(dir / "one.npz", stored_zip({{"x.npy", npy_inputs(2)}}));
  const auto r = run_cli(run_args(model, dir / "one.npz", dir / "o.npy"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(HostileUser, AMisspeltTopLevelSidecarKeyIsRefused) {
  TempDir dir;
  const auto model = write_model(dir, "tiny", tiny_classifier());
  write_file(dir / "x.npy", npy_inputs(2));
  auto sidecar = nlohmann::json::parse(read_file(model));
  sidecar["notes"] = "free text is fine here";
  write_file(model, sidecar.dump(2));
  ASSERT_EQ(run_cli(run_args(model, dir / "x.npy", dir / "o.npy")).exit_code, 0);
  sidecar["sha-256"] = std::string(64, '0');
  write_file(model, sidecar.dump(2));
  EXPECT_TRUE(one_line_error(run_cli(run_args(model, dir / "x.npy", dir / "o.npy")),
                             {"tiny.json", "'sha-256'", "unknown key"}));
}

TEST(HostileUser, MergeNamesAnInputThatIsNoResultsFileAsWhatItIs) {
  TempDir dir;
  fs::create_directory(dir / "folder");
  EXPECT_TRUE(one_line_error(run_cli({"merge", (dir / "m.jsonl").string(), "/dev/null"}),
                             {"/dev/null", "character device"}));
  EXPECT_TRUE(one_line_error(run_cli({"merge", (dir / "m.jsonl").string(), (dir / "folder").string()}),
                             {"folder", "is a folder"}));
  EXPECT_TRUE(one_line_error(run_cli({"merge", (dir / "m.jsonl").string(), (dir / "none.jsonl").string()}),
                             {"none.jsonl", "no such file"}));
  EXPECT_FALSE(fs::exists(dir / "m.jsonl"));
}

}  // namespace
}  // namespace flipguard::robustness
