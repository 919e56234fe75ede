// The one place that decides whether, and how, a command may write an output file.
//
// An output must never destroy one of the run's inputs (`run --data x.npy --out x.npy`), and a path the user
// made a symbolic link or a special file must not silently become a regular file. So: a regular file (or a
// new path) is replaced atomically, by a temporary file renamed into place in the folder of the file itself
// (a symbolic link is written through and stays a link); a FIFO or a character device (/dev/stdout, a
// terminal, a pipe reached through /proc/self/fd/N) is written as a stream; a folder, a link to nothing and a
// block device or socket are refused, as is any path that is the same file as an input.
#pragma once

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace flipguard::platform {

struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws OutputError naming `out` when it is the same file as one of `inputs` (compared by device and inode,
// links followed; inputs that do not exist or are not files are ignored). `what` names the output in the
// message ("the logits", "the sidecar").
void refuse_input_as_output(const std::filesystem::path& out, std::span<const std::filesystem::path> inputs,
                            std::string_view what);

// Whether `out` is the file standard output goes to (`--out /dev/stdout`, `--out /proc/self/fd/1`): a
// command then keeps its own report off standard output, which carries the data.
bool is_standard_output(const std::filesystem::path& out);

// Everything write_output_file checks before writing (a run checks it up front, not after hours of work).
void check_output_file(const std::filesystem::path& out, std::span<const std::filesystem::path> inputs,
                       std::string_view what);

// Writes the concatenation of `parts` to `out` as described above, after refuse_input_as_output. The data is
// on disk (fdatasync) before the rename; on failure the old file is untouched and no temporary is left.
void write_output_file(const std::filesystem::path& out, std::span<const std::string_view> parts,
                       std::span<const std::filesystem::path> inputs = {}, std::string_view what = "output");

}  // namespace flipguard::platform
