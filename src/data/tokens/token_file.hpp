// Token ids saved by NumPy: a .npy of shape [N, L] (one sequence per row), or an .npz holding such an array
// (its first array, or the one named). Integer dtypes are widened to int64 (int64 and int32 are the usual;
// unsigned ones, e.g. uint16 token dumps, too); float, bool and object (ragged) arrays, other ranks, empty
// arrays and truncated files are DataErrors naming the file, as is an id outside the caller's vocabulary.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "data/tokens/token_set.hpp"

namespace flipguard::data {

bool is_token_file_name(const std::filesystem::path& path);  // .npy or .npz

// `vocab_size` <= 0: ids are not checked against a vocabulary (only for being non-negative and in int64).
// `array`: the .npz member to read ("ids" reads ids.npy); empty: the archive's first member.
TokenSet load_token_file(const std::filesystem::path& path, std::int64_t vocab_size,
                         const std::string& array = "");

}  // namespace flipguard::data
