#include "campaign/records/legacy/legacy_refusal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "campaign/records/trial_record_json.hpp"

namespace flipguard::campaign {

std::string first_record_campaign(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "";
  std::string head(64 * 1024, '\0');
  const ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  if (n <= 0) return "";
  head.resize(static_cast<size_t>(n));
  const auto end = head.find('\n');
  if (end == std::string::npos) return "";
  try {
    return nlohmann::json::parse(head.substr(0, end)).get<TrialRecord>().campaign;
  } catch (const std::exception&) {
    return "";
  }
}

void refuse_legacy_results(const std::string& path, const std::string& legacy_id) {
  if (std::filesystem::is_regular_file(path) && first_record_campaign(path) == legacy_id)
    throw std::runtime_error(
        path + ": written by an older flipguard, which identified this campaign as " + legacy_id +
        " (from the sidecar's claim, without the images' content); run `flipguard rekey " + path +
        "` with the same settings to move its records to content identity");
}

void refuse_results_before_nan_faithful(const std::string& path, const std::string& previous_id) {
  if (std::filesystem::is_regular_file(path) && first_record_campaign(path) == previous_id)
    throw std::runtime_error(
        path +
        ": written before NaN went through flipguard's operators as it does in PyTorch (this campaign "
        "was " +
        previous_id +
        " then): trials of float formats (fp32, fp16, bf16) whose activations met a NaN may come out "
        "otherwise "
        "now; run `flipguard rekey " +
        path +
        "` with the same settings to keep a file of fixed-point and INT8 records only, or run the campaign "
        "into another results file");
}

}  // namespace flipguard::campaign
