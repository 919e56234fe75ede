#include "data/datasets/bad_images.hpp"

#include "data/data_error.hpp"

namespace flipguard::data {

BadImages parse_bad_images(const std::string& text, const std::string& option) {
  if (text == "fail") return BadImages::kFail;
  if (text == "skip") return BadImages::kSkip;
  throw DataError(option + ": '" + text + "' is not one of fail, skip");
}

}  // namespace flipguard::data
