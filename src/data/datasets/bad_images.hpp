// What a dataset read does with an image it cannot use (unreadable, not an image, damaged, wrong size): stop
// with an error naming it (the default), or leave it out and say so, so a campaign never silently evaluates
// fewer images than it claims.
#pragma once

#include <cstddef>
#include <string>

namespace flipguard::data {

enum class BadImages { kFail, kSkip };

// "fail" or "skip"; anything else is a DataError naming `option` and the valid values.
BadImages parse_bad_images(const std::string& text, const std::string& option);

// An image left out under BadImages::kSkip.
struct SkippedImage {
  std::size_t index = 0;  // in the dataset
  std::string reason;     // the error, which names the file
};

}  // namespace flipguard::data
