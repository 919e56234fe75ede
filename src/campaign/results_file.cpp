#include "campaign/results_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "campaign/trial_record_json.hpp"

namespace flipguard::campaign {
ParsedResults parse_results(const std::string& path) {
  ParsedResults p;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return p;
  // An existing file that cannot be read must not pass for an empty one: appending would bury its records.
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path + ": is a folder, not a results file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot read the results file: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t end = text.find('\n', pos);
    const bool complete = end != std::string::npos;
    const std::string line = text.substr(pos, complete ? end - pos : std::string::npos);
    try {
      if (!complete) throw std::runtime_error("no end of line");
      p.records.push_back(nlohmann::json::parse(line).get<TrialRecord>());
    } catch (const std::exception& e) {
      const bool last = !complete || end + 1 == text.size();
      if (!last)
        throw std::runtime_error(path + ":" + std::to_string(line_no) + ": corrupt results record (" +
                                 e.what() + "); only a partial last line is repaired automatically");
      p.warning = path + ":" + std::to_string(line_no) + ": partial last record dropped (" + e.what() + ")";
      return p;
    }
    pos = end + 1;
    p.valid_bytes = pos;
  }
  return p;
}

ResultsFile::ResultsFile(std::string path, std::string campaign_id)
    : path_(std::move(path)), campaign_(std::move(campaign_id)) {
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  auto parsed = parse_results(path_);
  for (size_t i = 0; i < parsed.records.size(); ++i) {
    const auto& r = parsed.records[i];
    if (r.campaign != campaign_)
      throw std::runtime_error(
          path_ + ":" + std::to_string(i + 1) + ": record of another campaign (" + r.campaign +
          ", this one is " + campaign_ +
          "): use another results file, or the same model, data, images, seed and tensors");
    done_[r.record_key()] = i;
  }
  records_ = std::move(parsed.records);
  if (!parsed.warning.empty()) {
    std::filesystem::resize_file(path_, parsed.valid_bytes);
    repair_note_ = parsed.warning;
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_ + ": cannot open for appending: " + std::strerror(errno));
}

ResultsFile::~ResultsFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsFile::append(const TrialRecord& r) {
  const std::string line = nlohmann::json(r).dump() + "\n";
  // One write of the whole line with O_APPEND, then fdatasync: a crash leaves whole lines and at most one
  // partial last line.
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()))
    throw std::runtime_error(path_ + ": write failed: " + std::strerror(errno));
  if (::fdatasync(fd_) != 0) throw std::runtime_error(path_ + ": fdatasync failed: " + std::strerror(errno));
  done_[r.record_key()] = records_.size();
  records_.push_back(r);
}

}  // namespace flipguard::campaign
