#!/usr/bin/python3
"""Writes the fortune model's validation windows as token ids: the exact [451, 129] windows train_lm.py scores
for its validation perplexity (45.6876), as uint16 .npy: flipguard's default data for the model.

    export_validation.py [--out trained/fortune-lm/validation.npy] [--check-tokenizer]

The validation documents are corpus.py's split of Debian's fortunes (seed 1234, 5 %), encoded with the
committed tokenizer (trained/fortune-lm/tokenizer.json, read by bpe.py) into one stream (each document followed
by <|endoftext|>) and cut by train_lm.py's own stream() and validation_windows(): windows of context + 1 = 129
ids every 128 ids, so every id after the first is a target exactly once (the last id of a row is only a
target). Checks against the training run's records: the document, byte and token counts of model.json, the
window count, and the first rows of val_batch.ids.npy (the batch the engine test compares logits on).
--check-tokenizer also trains the tokenizer again from the training documents (bpe.train, about 20 s) and
checks that it is the committed one.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bpe  # noqa: E402
import corpus  # noqa: E402
import train_lm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
TRAINED = os.path.join(REPO, "trained", "fortune-lm")


def fail(msg):
    sys.exit(f"export_validation: {msg}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(TRAINED, "validation.npy"))
    p.add_argument("--corpus", default=corpus.FORTUNE_DIR)
    p.add_argument("--check-tokenizer", action="store_true",
                   help="train the tokenizer again and check it equals the committed tokenizer.json")
    args = p.parse_args()

    with open(os.path.join(TRAINED, "model.json"), encoding="utf-8") as f:
        record = json.load(f)
    split = record["corpus"]["split"]
    context = record["context"]
    docs, stats = corpus.load_documents(args.corpus)
    if stats["documents"] != record["corpus"]["documents"]:
        fail(f"{args.corpus}: {stats['documents']} documents, the training run read "
             f"{record['corpus']['documents']} (another fortunes version?)")
    train_docs, val_docs = corpus.split(docs, split["val_fraction"], split["seed"])
    nbytes = sum(len(d.encode("utf-8")) for d in val_docs)
    if (len(val_docs), nbytes) != (split["validation"]["documents"], split["validation"]["bytes"]):
        fail(f"validation split: {len(val_docs)} documents, {nbytes} bytes; the training run had "
             f"{split['validation']['documents']} and {split['validation']['bytes']}")

    tok = bpe.Tokenizer.load(os.path.join(TRAINED, "tokenizer.json"))
    if args.check_tokenizer:
        again = bpe.train(train_docs, record["vocab"])
        if again.to_json() != tok.to_json():
            fail("the tokenizer trained again from the training documents differs from tokenizer.json")
        print("tokenizer: trained again, equal to tokenizer.json")

    ids = train_lm.stream(tok, val_docs)
    if len(ids) != split["validation"]["tokens"]:
        fail(f"validation stream of {len(ids)} tokens, the training run had {split['validation']['tokens']}")
    windows = train_lm.validation_windows(ids, context).numpy()
    if windows.shape != (record["evaluation"]["validation_windows"], context + 1):
        fail(f"windows of shape {windows.shape}, the training run scored "
             f"{record['evaluation']['validation_windows']} of {context + 1}")
    batch = np.load(os.path.join(TRAINED, "val_batch.ids.npy"))
    if not np.array_equal(windows[:batch.shape[0], :batch.shape[1]], batch):
        fail("the first windows differ from val_batch.ids.npy")
    if windows.min() < 0 or windows.max() >= len(tok) or len(tok) > 65536:
        fail(f"ids in [{windows.min()}, {windows.max()}] do not fit uint16 below the vocabulary of {len(tok)}")

    np.save(args.out, windows.astype(np.uint16))
    print(f"wrote {args.out}: {windows.shape[0]} windows of {windows.shape[1]} ids (uint16), from "
          f"{len(val_docs)} documents, {len(ids)} tokens; the first {batch.shape[0]} equal val_batch.ids.npy")


if __name__ == "__main__":
    main()
