#include "data/loading/lm_data_source.hpp"

#include <memory>
#include <system_error>

#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "data/loading/data_paths.hpp"
#include "data/loading/token_sequences.hpp"
#include "data/tokens/bpe_tokenizer.hpp"
#include "data/tokens/text_windows.hpp"
#include "data/tokens/token_file.hpp"

namespace flipguard::data {

namespace {

void refuse(const std::filesystem::path& option_file, const char* option, const std::string& why) {
  if (!option_file.empty()) throw DataError(std::string(option) + " " + option_file.string() + ": " + why);
}

// The sidecar's tokenizer, which must exist and give no id the model has no logit for.
std::unique_ptr<Tokenizer> open_tokenizer(const Manifest& model, const std::filesystem::path& text) {
  const std::string sidecar = model.json_file.empty() ? model.name : model.json_file.string();
  if (model.lm.tokenizer.empty())
    throw DataError(text.string() + ": text needs a tokenizer, and " + sidecar +
                    " names none: add its field 'tokenizer' (a tokenizer.json), or give --data a token file "
                    "(.npy/.npz of ids)");
  const auto path = model.tokenizer_path();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DataError(sidecar + ": field 'tokenizer' names " + path.string() + ", which is not a file");
  auto tokenizer = std::make_unique<BpeTokenizer>(path);
  if (tokenizer->vocab_size() > model.lm.vocab)
    throw DataError(path.string() + ": the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                    " tokens, more than the model's vocabulary of " + std::to_string(model.lm.vocab) + " (" +
                    sidecar + ": field 'output.vocab')");
  return tokenizer;
}

std::string of_rows(const PreprocessedSet& set, std::size_t rows) {
  if (set.size() == rows) return "";
  return " (" + std::to_string(set.size()) + " of its " + std::to_string(rows) + " rows)";
}

}  // namespace

LoadedData load_lm_data(const DataRequest& request, const Manifest& model) {
  if (!model.is_lm()) throw std::logic_error("load_lm_data: " + model.name + " is not a causal-lm");
  refuse(request.classes_file, "--classes",
         "is for a folder of class subfolders, not the token data of " + model.name +
             ", a causal language model");
  refuse(request.labels_file, "--labels",
         "is for a .npy of image inputs, not the token data of " + model.name +
             ", a causal language model (each id's target is the next id)");
  std::filesystem::path path;
  if (request.data.empty()) {
    if (model.dataset.empty()) throw DataError(model.name + " declares no default dataset: give --data");
    path = data_path(model.dataset_path().string());
  } else {
    path = data_path(request.data);
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw DataError("data '" + path.string() + "' for " + model.name +
                    " (a causal language model) does not exist: give a token file (.npy/.npz of ids), a .txt "
                    "file or a folder of .txt files" +
                    (request.data.empty() ? " (" + model.json_file.string() + ": field 'dataset')" : ""));
  const auto seq_len = static_cast<std::size_t>(model.lm.sequence_length);
  LoadedData out;
  const bool folder = std::filesystem::is_directory(path, ec);
  TokenSet set;
  std::string how;
  if (!folder && is_token_file_name(path)) {
    out.name = "tokens:" + data_base_name(path);
    set = load_token_file(path, model.lm.vocab);
  } else if (folder || lower_extension(path) == ".txt") {
    out.name = "text:" + data_base_name(path);
    const auto tokenizer = open_tokenizer(model, path);
    set = load_text_windows(path, *tokenizer, {.seq_len = seq_len + 1, .stride = seq_len});
    how = ": windows every " + std::to_string(seq_len) + " ids of its token stream (" + tokenizer->name() +
          (tokenizer->end_of_text() ? ", the end-of-text id after each document" : "") +
          "), the last ids that fill no window left out";
  } else {
    throw DataError(path.string() + ": " + model.name +
                    " is a causal language model: its data are a token file (.npy/.npz of ids), a .txt file "
                    "or a folder of .txt files");
  }
  check_token_ids(set, model.lm.vocab);
  out.images = token_sequences(set, seq_len, request.subset);
  out.complete = out.images.size() == set.rows;
  const std::string n =
      std::to_string(out.images.size()) + " sequences of " + std::to_string(seq_len) + " tokens";
  if (set.seq_len == seq_len + 1)
    out.notes.push_back(n + " + 1 target" + (how.empty() ? "" : " (stride " + std::to_string(seq_len) + ")") +
                        " from " + path.string() + of_rows(out.images, set.rows) + how);
  else
    out.notes.push_back(n + " from " + path.string() + of_rows(out.images, set.rows) + ": rows of " +
                        std::to_string(seq_len) +
                        " ids, so each row's last position predicts nothing (rows of " +
                        std::to_string(seq_len + 1) + " ids score every position)");
  return out;
}

}  // namespace flipguard::data
