// What `--data` names for a causal language model (kind causal-lm), as token sequences: a token file (.npy or
// .npz of ids, token_file.hpp), or text (a .txt file or a folder of them, text_windows.hpp) tokenized with
// the sidecar's tokenizer and cut into windows of sequence_length + 1 ids every sequence_length ids, so that
// every id after the stream's first is a target exactly once. Either way the rows become sequences of the
// model's sequence_length (token_sequences.hpp). No data given: the sidecar's dataset, relative to its
// folder.
#pragma once

#include "data/loading/data_source.hpp"

namespace flipguard::data {

// `model` must be a causal-lm. The data's name is "tokens:<file name>" or "text:<file or folder name>".
// Throws a DataError naming the file: ids outside the vocabulary, rows of another length, text without a
// tokenizer, and options that are for images (--classes, --labels).
LoadedData load_lm_data(const DataRequest& request, const Manifest& model);

}  // namespace flipguard::data
