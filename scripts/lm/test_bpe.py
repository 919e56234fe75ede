"""Tests of the byte-level BPE (bpe.py) and of the committed fortune-lm tokenizer.

    python3 -m unittest discover -s scripts/lm -p 'test_*.py'
"""
import json
import os
import random
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import corpus  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAINED = os.path.join(REPO, "trained", "fortune-lm")
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


class PreTokenizer(unittest.TestCase):
    def test_known_splits(self):
        cases = {
            "Hello world": ["Hello", " world"],
            "I'm  fine\n\n": ["I", "'m", " ", " fine", "\n\n"],
            "  x": [" ", " x"],
            "a\tb": ["a", "\t", "b"],
            "a \tb": ["a", " ", "\t", "b"],
            "3.14 km": ["3", ".", "14", " km"],
            "don't 'sup": ["don", "'t", " '", "sup"],
            "'sup": ["'s", "up"],
            "-- Mark Twain\n": ["--", " Mark", " Twain", "\n"],
            "x   ": ["x", "   "],
            "": [],
            "na\u00efve caf\u00e9 \u00bd": ["na\u00efve", " caf\u00e9", " \u00bd"],
        }
        for text, pieces in cases.items():
            self.assertEqual(bpe.pretokenize(text), pieces, repr(text))

    def test_matches_the_regex(self):
        try:
            import regex
        except ImportError:
            self.skipTest("the regex module (python3-regex) is not installed")
        pat = regex.compile(GPT2_PATTERN)
        rng = random.Random(0)
        alphabet = list(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2000\u3000'sStrevmld019\u00bd\u00b2\u2167\u0661a\u00e9\u4e2d"
                        "\u00df.,!?-_$\u0301\u200b\ufeff\U0001F600")
        for _ in range(5000):
            s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
            self.assertEqual(bpe.pretokenize(s), pat.findall(s), repr(s))

    def test_pieces_concatenate_to_the_text(self):
        rng = random.Random(1)
        for _ in range(500):
            s = "".join(chr(rng.randint(0, 0x3000)) for _ in range(rng.randint(0, 30)))
            self.assertEqual("".join(bpe.pretokenize(s)), s)


class Training(unittest.TestCase):
    texts = ["the cat sat on the mat", "the dog sat on the log", "that's that\n\n\tthe end"] * 3

    def test_vocabulary_size_and_order(self):
        tok = bpe.train(self.texts, 280)
        self.assertEqual(len(tok), 280)
        self.assertEqual(list(tok.vocab.values()), list(range(280)))
        self.assertEqual(tok.vocab["!"], 0)  # GPT-2's base order
        self.assertEqual(bpe.BYTE_TO_CHAR[32], "\u0120")  # the space's stand-in
        self.assertEqual(tok.eot_id, 279)
        for a, b in tok.merges:
            self.assertIn(a, tok.vocab)
            self.assertIn(b, tok.vocab)
            self.assertIn(a + b, tok.vocab)

    def test_each_merge_is_a_most_frequent_pair(self):
        """Replays the merges with a full recount each time (no incremental bookkeeping)."""
        from collections import Counter
        tok = bpe.train(self.texts, 300)
        words = [bpe.to_symbols(p) for t in self.texts for p in bpe.pretokenize(t)]
        for a, b in tok.merges:
            counts = Counter(pair for w in words for pair in zip(w, w[1:]))
            self.assertEqual(counts[(a, b)], max(counts.values()), (a, b))
            merged = []
            for w in words:
                out, k = [], 0
                while k < len(w):
                    if k + 1 < len(w) and (w[k], w[k + 1]) == (a, b):
                        out.append(a + b)
                        k += 2
                    else:
                        out.append(w[k])
                        k += 1
                merged.append(out)
            words = merged
        # Encoding a piece of the training texts gives the segmentation training ended with.
        pieces = [p for t in self.texts for p in bpe.pretokenize(t)]
        self.assertEqual([tok.bpe(p) for p in pieces], words)

    def test_deterministic(self):
        self.assertEqual(bpe.train(self.texts, 300).merges, bpe.train(list(self.texts), 300).merges)

    def test_round_trip_and_special_token(self):
        tok = bpe.train(self.texts, 300)
        text = "the cat's log\u00e9<|endoftext|>\x07\tend"
        ids = tok.encode(text)
        self.assertIn(tok.eot_id, ids)
        self.assertEqual(ids.count(tok.eot_id), 1)
        self.assertEqual(tok.decode(ids), text.replace(bpe.END_OF_TEXT, ""))
        self.assertLess(len(tok.encode("the cat sat on the mat")), len("the cat sat on the mat") // 2)

    def test_json_round_trip(self):
        import tempfile
        tok = bpe.train(self.texts, 300)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tokenizer.json")
            tok.save(path)
            again = bpe.Tokenizer.load(path)
        for t in self.texts + ["unseen w\u00f6rds 123"]:
            self.assertEqual(again.encode(t), tok.encode(t))


@unittest.skipUnless(os.path.exists(os.path.join(TRAINED, "model.json")), "no trained/fortune-lm")
class CommittedTokenizer(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(TRAINED, "tokenizer.json")
        self.tok = bpe.Tokenizer.load(self.path)
        with open(os.path.join(TRAINED, "model.json")) as f:
            self.meta = json.load(f)

    def test_format(self):
        with open(self.path, encoding="utf-8") as f:
            j = json.load(f)
        self.assertEqual(j["model"]["type"], "BPE")
        self.assertEqual(j["pre_tokenizer"], {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                                              "use_regex": True})
        self.assertEqual(j["decoder"]["type"], "ByteLevel")
        self.assertTrue(all(isinstance(m, str) and m.count(" ") == 1 for m in j["model"]["merges"]))
        self.assertEqual(len(j["model"]["vocab"]), self.meta["vocab"])
        self.assertEqual(sorted(j["model"]["vocab"].values()), list(range(self.meta["vocab"])))
        [eot] = j["added_tokens"]
        self.assertEqual((eot["content"], eot["id"], eot["special"]),
                         (bpe.END_OF_TEXT, self.meta["end_of_text_id"], True))
        self.assertEqual(j["model"]["vocab"][bpe.END_OF_TEXT], eot["id"])

    @unittest.skipUnless(os.path.isdir(corpus.FORTUNE_DIR), "fortunes is not installed")
    def test_reproduces_the_validation_batch(self):
        """The committed batch is the start of the validation stream, encoded with the committed tokenizer."""
        docs, _ = corpus.load_documents()
        split = self.meta["corpus"]["split"]
        _, val = corpus.split(docs, split["val_fraction"], split["seed"])
        ids = np.load(os.path.join(TRAINED, "val_batch.ids.npy"))
        rows, length = ids.shape
        stream = []
        for d in val:
            stream.extend(self.tok.encode(d))
            stream.append(self.tok.eot_id)
            if len(stream) > rows * length + 1:
                break
        expected = np.array([stream[r * length:(r + 1) * length] for r in range(rows)], dtype=np.int64)
        np.testing.assert_array_equal(ids, expected)
        self.assertEqual(self.tok.decode(stream[:200]), self.tok.decode(self.tok.encode(
            self.tok.decode(stream[:200]))))


if __name__ == "__main__":
    unittest.main()
