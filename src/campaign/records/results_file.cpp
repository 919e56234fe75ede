#include "campaign/records/results_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "campaign/records/trial_record_json.hpp"
#include "platform/input_file.hpp"
#include "platform/output_file.hpp"

namespace flipguard::campaign {
namespace {

std::string os_error(const std::string& path, const std::string& what, int err) {
  return path + ": " + what + ": " + std::strerror(err);
}

// Opens `path` (O_NONBLOCK, so a FIFO cannot block the open) and checks on the open file itself that it is a
// regular file; `flags` adds O_RDWR/O_CREAT. Returns the fd and its size.
int open_regular(const std::string& path, int flags, std::uintmax_t& size) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == EISDIR) throw std::runtime_error(path + ": is a folder, not a results file");
    throw std::runtime_error(os_error(path, "cannot open the results file", err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error(os_error(path, "cannot stat the results file", err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(path + ": is " + platform::file_kind(st.st_mode) +
                             "; a results file must be a regular file (or a path that does not exist yet)");
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxResultsBytes) {
    ::close(fd);
    throw std::runtime_error(path + ": " + std::to_string(st.st_size) +
                             " bytes is larger than any results file flipguard writes; refusing to read it");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  size = static_cast<std::uintmax_t>(st.st_size);
  return fd;
}

// Exactly `size` bytes from offset 0 (the size seen at open: a file growing meanwhile is not read past it).
std::string read_fd(int fd, std::uintmax_t size, const std::string& path) {
  std::string text(size, '\0');
  std::uintmax_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, text.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(os_error(path, "cannot read the results file", errno));
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<std::uintmax_t>(n);
  }
  text.resize(done);
  return text;
}

// The keys a record's JSON object can start with (the serializer writes them in sorted order, the first
// present one first).
const std::set<std::string>& record_keys() {
  static const std::set<std::string> keys = [] {
    TrialRecord r;
    r.early_stopped = true;
    r.adaptive.ci_target = 1;
    const nlohmann::json j = r;
    std::set<std::string> k;
    for (auto it = j.begin(); it != j.end(); ++it) k.insert(it.key());
    return k;
  }();
  return keys;
}

// Could `line` be the beginning of a record whose write was cut short? A complete JSON value is not (a cut
// record is a strict prefix of its line), and it must open an object with one of a record's keys.
bool torn_record(std::string_view line) {
  if (nlohmann::json::accept(line)) return false;
  const std::string_view open = "{\"";
  if (line.size() <= open.size()) return open.starts_with(line);
  if (!line.starts_with(open)) return false;
  const auto key_text = line.substr(open.size());
  const auto quote = key_text.find('"');
  for (const auto& key : record_keys()) {
    if (quote == std::string_view::npos ? std::string_view(key).starts_with(key_text)
                                        : key_text.substr(0, quote) == key)
      return true;
  }
  return false;
}

// Cuts the file back to its whole records; a failure here leaves a partial last line the next run drops.
bool cut_to(int fd, std::uintmax_t size) {
  return ::ftruncate(fd, static_cast<off_t>(size)) == 0;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// A JSON object with a record's identifying fields whose other fields are bad: a damaged record, not another
// program's file.
bool damaged_record(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() && j.contains("campaign") && j.contains("version");
}

}  // namespace

std::string read_results_text(const std::string& path) {
  std::uintmax_t size = 0;
  const int fd = open_regular(path, O_RDONLY, size);
  try {
    std::string text = read_fd(fd, size, path);
    ::close(fd);
    return text;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

ParsedResults parse_results_text(std::string_view text, const std::string& path,
                                 const std::optional<std::string>& campaign) {
  using Kind = ResultsParseError::Kind;
  // Blank lines at the end are no record and no damage: the end is the last line with anything on it.
  std::size_t end_of_text = text.size();
  while (end_of_text > 0 && is_blank(text.substr(end_of_text - 1, 1))) --end_of_text;
  ParsedResults p;
  std::map<std::string, int> seen;  // record key -> line
  size_t pos = 0;
  int line_no = 0;
  while (pos < end_of_text) {
    ++line_no;
    const size_t end = text.find('\n', pos);
    const bool complete = end != std::string_view::npos;
    const std::string_view line = text.substr(pos, complete ? end - pos : std::string_view::npos);
    const bool last = !complete || end + 1 >= end_of_text;
    const std::string where = path + ":" + std::to_string(line_no);
    try {
      if (!complete) throw std::runtime_error("no end of line");
      if (is_blank(line)) throw std::runtime_error("empty line");
      p.records.push_back(nlohmann::json::parse(line).get<TrialRecord>());
    } catch (const std::exception& e) {
      // Only what a killed write leaves behind is repaired: a last line after this campaign's records, or one
      // that begins like a record. Anything else is someone else's file, or damage to look at.
      if (last && (!p.records.empty() || torn_record(line))) {
        p.dropped_line = line_no;
        p.dropped_reason = e.what();
        p.warning = where + ": partial last record dropped (" + e.what() + ")";
        return p;
      }
      if (p.records.empty() && !damaged_record(line))
        throw ResultsParseError(Kind::not_results, line_no, e.what(),
                                path + ": not a flipguard results file (line 1: " + e.what() +
                                    "); refusing to touch it: give another --results file");
      throw ResultsParseError(Kind::corrupt, line_no, e.what(),
                              where + ": corrupt results record (" + e.what() +
                                  "); only a partial last line is repaired automatically");
    }
    const auto& r = p.records.back();
    if (campaign && r.campaign != *campaign)
      throw ResultsParseError(
          Kind::other_campaign, line_no, r.campaign,
          where + ": record of another campaign (" + r.campaign + ", this one is " + *campaign +
              "): use another results file, or the same model, data, preprocessing, seed and tensors (a file "
              "written before the cell design became the campaign's default resumes with --trials N for "
              "fixed "
              "trials, or --images-per-trial 0 for plain adaptive ones)");
    if (r.campaign != p.records.front().campaign)
      throw ResultsParseError(Kind::other_campaign, line_no, r.campaign,
                              where + ": record of campaign '" + r.campaign + "' in a file of campaign '" +
                                  p.records.front().campaign + "': results of several campaigns are mixed");
    if (const auto [it, fresh] = seen.emplace(r.record_key(), line_no); !fresh)
      throw ResultsParseError(
          Kind::repeated_trial, line_no, std::to_string(it->second),
          where + ": trial '" + r.record_key() + "' already recorded on line " + std::to_string(it->second));
    p.lines.push_back(line_no);
    pos = end + 1;
    p.valid_bytes = pos;
  }
  return p;
}

ParsedResults parse_results(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec)) &&
      !std::filesystem::exists(path, ec))
    return {};
  return parse_results_text(read_results_text(path), path);
}

ResultsFile::ResultsFile(std::string path, std::string campaign_id)
    : path_(std::move(path)), campaign_(std::move(campaign_id)) {
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::uintmax_t size = 0;
  fd_ = open_regular(path_, O_RDWR | O_CREAT, size);
  try {
    // One run per file: a POSIX lock, released by the kernel when the holder dies (kill -9 included), and
    // whose holder's pid can be asked for.
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd_, F_SETLK, &lock) != 0) {
      const int err = errno;
      if (err != EACCES && err != EAGAIN) throw std::runtime_error(os_error(path_, "cannot lock", err));
      struct flock holder {};
      holder.l_type = F_WRLCK;
      holder.l_whence = SEEK_SET;
      const bool known = ::fcntl(fd_, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK;
      throw std::runtime_error(path_ + ": in use by another flipguard run" +
                               (known ? " (pid " + std::to_string(holder.l_pid) + ")" : std::string()) +
                               "; wait for it to finish, or give another results file");
    }
    auto parsed = parse_results_text(read_fd(fd_, size, path_), path_, campaign_);
    for (size_t i = 0; i < parsed.records.size(); ++i) done_[parsed.records[i].record_key()] = i;
    records_ = std::move(parsed.records);
    size_ = parsed.valid_bytes;
    if (size_ < size) {  // a partial last record, or blank lines at the end
      if (!cut_to(fd_, size_))
        throw std::runtime_error(os_error(path_, "cannot cut the partial last record", errno));
      repair_note_ = parsed.warning;
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ResultsFile::~ResultsFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsFile::append(const TrialRecord& r) {
  const std::string line = to_json_line(r) + "\n";
  // A record its own reader would refuse is a bug upstream: stopping here keeps the file readable (every
  // record in it reads back) and names the record, instead of failing at the next read.
  try {
    (void)nlohmann::json::parse(line).get<TrialRecord>();
  } catch (const std::exception& e) {
    throw std::logic_error(path_ + ": the record of " + r.record_key() + " would not read back (" + e.what() +
                           "): not written");
  }
  // The whole line at the end of the whole records, then fdatasync. A short write (a full disk) is retried
  // until the system gives its error; then the partial line is cut off again, so the file holds whole records
  // only and the error is the real one (errno read at once, never a stale "Success").
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::pwrite(fd_, line.data() + done, line.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      (void)cut_to(fd_, size_);
      throw std::runtime_error(os_error(path_, "cannot write the record of " + r.record_key(), err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) {
    const int err = errno;
    (void)cut_to(fd_, size_);
    throw std::runtime_error(
        os_error(path_, "cannot flush the record of " + r.record_key() + " to disk", err));
  }
  size_ += line.size();
  done_[r.record_key()] = records_.size();
  records_.push_back(r);
}

void write_results_atomically(const std::string& path, const std::string& text, const std::string& who) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  const std::string_view parts[] = {text};
  try {
    platform::write_output_file(path, parts, {}, "the results");
  } catch (const platform::OutputError& e) {
    throw std::runtime_error(who + ": " + e.what());
  }
}

}  // namespace flipguard::campaign
