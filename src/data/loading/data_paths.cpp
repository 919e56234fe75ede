#include "data/loading/data_paths.hpp"

#include <system_error>

#include "platform/utf8.hpp"

namespace flipguard::data {

std::string data_base_name(const std::filesystem::path& path) {
  const auto p = path.lexically_normal();
  const std::string name = (p.has_filename() ? p : p.parent_path()).filename().string();
  return platform::utf8_or_escaped(name.empty() ? p.string() : name);
}

std::filesystem::path data_path(const std::string& data) {
  std::error_code ec;
  if (const std::string bytes = platform::unescape_bytes(data);
      bytes != data && !std::filesystem::exists(data, ec) && std::filesystem::exists(bytes, ec))
    return bytes;
  return data;
}

}  // namespace flipguard::data
