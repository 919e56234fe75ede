// How `--data` paths become data names and files, for image and token data alike.
#pragma once

#include <filesystem>
#include <string>

namespace flipguard::data {

// The data's name in records and reports (JSON, HTML): the file or folder name, escaped when it is not UTF-8
// (platform/utf8.hpp); one that is stays as it is, and so do the identities of campaigns on it.
std::string data_base_name(const std::filesystem::path& path);

// The path `data` names: itself, or for a name escaped in a sidecar (manifest_json) the bytes it stands for.
std::filesystem::path data_path(const std::string& data);

}  // namespace flipguard::data
