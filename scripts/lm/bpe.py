"""Byte-level BPE in the GPT-2 manner: training, encoding, decoding, and the Hugging Face tokenizer.json format.

Encoding a text (what a reader of tokenizer.json must reproduce):

1. Added tokens first: every occurrence of an added token's content (here only "<|endoftext|>") is cut out of
   the text and becomes that token's id; the pieces between are encoded on their own.
2. Pre-tokenization, GPT-2's regex (Hugging Face's ByteLevel pre-tokenizer with use_regex: true):

       's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+

   applied leftmost-first, alternatives tried in order. \\p{L}: a code point whose Unicode general category
   starts with L; \\p{N}: with N; \\s: the Unicode White_Space property (WHITESPACE below). " " is U+0020 only.
   pretokenize() implements it without a regex engine, so that the rule is spelled out here.
3. Each piece's UTF-8 bytes are mapped to printable characters by GPT-2's bytes_to_unicode().
4. BPE on each piece: start from single characters, repeatedly merge the adjacent pair with the lowest merge
   rank (its index in "merges") everywhere it occurs, left to right, until no adjacent pair has a rank; the
   resulting strings are looked up in "vocab".

Decoding maps ids back to strings, concatenates, and maps the characters back to bytes (the ByteLevel decoder).
"""
import json
import unicodedata
from collections import Counter, defaultdict

END_OF_TEXT = "<|endoftext|>"

# The Unicode White_Space property (PropList.txt): what \s matches in the regex above.
WHITESPACE = frozenset(
    chr(c) for c in [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
                     0x202F, 0x205F, 0x3000])
CONTRACTIONS = ("s", "t", "re", "ve", "m", "ll", "d")


def bytes_to_unicode():
    """GPT-2's reversible map of the 256 byte values to printable characters: the printable Latin-1 bytes map to
    themselves, the others to U+0100 upwards in byte order. Its order is the order of the 256 base tokens."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def _is_letter(ch):
    return unicodedata.category(ch)[0] == "L"


def _is_number(ch):
    return unicodedata.category(ch)[0] == "N"


def _is_other(ch):  # [^\s\p{L}\p{N}]
    return ch not in WHITESPACE and not _is_letter(ch) and not _is_number(ch)


def pretokenize(text):
    """The pieces GPT-2's regex finds in text, in order; they concatenate to text."""
    pieces = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            hit = next((s for s in CONTRACTIONS if text.startswith(s, i + 1)), None)
            if hit is not None:
                pieces.append(text[i:i + 1 + len(hit)])
                i += 1 + len(hit)
                continue
        matched = False
        for cls in (_is_letter, _is_number, _is_other):  # ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
            if c == " " and i + 1 < n and cls(text[i + 1]):
                j = i + 1
            elif cls(c):
                j = i
            else:
                continue
            while j < n and cls(text[j]):
                j += 1
            pieces.append(text[i:j])
            i = j
            matched = True
            break
        if matched:
            continue
        # c is whitespace. '\s+(?!\S)': the run, less its last character when a non-space follows; '\s+' when
        # that leaves nothing (a single whitespace character before a non-space).
        j = i
        while j < n and text[j] in WHITESPACE:
            j += 1
        if j < n and j - i >= 2:
            j -= 1
        pieces.append(text[i:j])
        i = j
    return pieces


def to_symbols(piece):
    return [BYTE_TO_CHAR[b] for b in piece.encode("utf-8")]


def train(texts, vocab_size, special=END_OF_TEXT):
    """Learns merges from an iterable of texts until the vocabulary (256 bytes + merges + the special token)
    reaches vocab_size. Ties between equally frequent pairs go to the pair whose first occurrence in the
    (deterministic) word table comes first, so the result depends only on the texts."""
    n_merges = vocab_size - 256 - 1
    if n_merges < 0:
        raise ValueError(f"vocab_size {vocab_size} is below the 257 byte and special tokens")
    word_counts = Counter()
    for t in texts:
        word_counts.update(pretokenize(t))
    words = [to_symbols(w) for w in word_counts]
    freqs = list(word_counts.values())
    pair_counts = Counter()
    where = defaultdict(set)  # pair -> indices of the words holding it
    first_seen = {}
    for wi, (syms, f) in enumerate(zip(words, freqs)):
        for k, pair in enumerate(zip(syms, syms[1:])):
            pair_counts[pair] += f
            where[pair].add(wi)
            first_seen.setdefault(pair, (wi, k))
    merges = []
    while len(merges) < n_merges and pair_counts:
        best = max(pair_counts, key=lambda p: (pair_counts[p], _neg(first_seen[p])))
        if pair_counts[best] <= 0:
            break
        merges.append(best)
        a, b = best
        merged = a + b
        for wi in sorted(where.pop(best, ())):
            syms, f = words[wi], freqs[wi]
            for pair in zip(syms, syms[1:]):
                pair_counts[pair] -= f
            out = []
            k = 0
            while k < len(syms):
                if k + 1 < len(syms) and syms[k] == a and syms[k + 1] == b:
                    out.append(merged)
                    k += 2
                else:
                    out.append(syms[k])
                    k += 1
            words[wi] = out
            for k, pair in enumerate(zip(out, out[1:])):
                pair_counts[pair] += f
                where[pair].add(wi)
                first_seen.setdefault(pair, (wi, k))
        pair_counts.pop(best, None)
        for p in [p for p, c in pair_counts.items() if c <= 0]:
            del pair_counts[p]
    return Tokenizer.from_merges(merges, special)


def _neg(t):
    return tuple(-x for x in t)


class Tokenizer:
    def __init__(self, vocab, merges, special):
        self.vocab = vocab  # str -> id
        self.merges = merges  # list of (str, str)
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.special = special  # str -> id
        self.id_to_token = {i: t for t, i in vocab.items()}
        self._cache = {}

    @classmethod
    def from_merges(cls, merges, special):
        vocab = {}
        for ch in BYTE_TO_CHAR.values():  # GPT-2's base order: bytes_to_unicode's order
            vocab[ch] = len(vocab)
        for a, b in merges:
            vocab[a + b] = len(vocab)
        specials = {special: len(vocab)}
        vocab[special] = specials[special]
        return cls(vocab, list(merges), specials)

    def __len__(self):
        return len(self.vocab)

    @property
    def eot_id(self):
        return self.special[END_OF_TEXT]

    def bpe(self, piece):
        """Token strings of one pre-tokenized piece (GPT-2's bpe())."""
        hit = self._cache.get(piece)
        if hit is not None:
            return hit
        word = to_symbols(piece)
        while len(word) > 1:
            ranked = [(self.ranks.get(p, None), k) for k, p in enumerate(zip(word, word[1:]))]
            ranked = [r for r in ranked if r[0] is not None]
            if not ranked:
                break
            a, b = self.merges[min(ranked)[0]]
            out = []
            k = 0
            while k < len(word):
                if k + 1 < len(word) and word[k] == a and word[k + 1] == b:
                    out.append(a + b)
                    k += 2
                else:
                    out.append(word[k])
                    k += 1
            word = out
        self._cache[piece] = word
        return word

    def encode(self, text):
        ids = []
        for k, part in enumerate(self._split_special(text)):
            if k % 2:
                ids.append(self.special[part])
            else:
                for piece in pretokenize(part):
                    ids.extend(self.vocab[t] for t in self.bpe(piece))
        return ids

    def _split_special(self, text):
        """Alternating [text, special, text, special, ..., text] (leftmost, longest special first)."""
        out = []
        i = 0
        specials = sorted(self.special, key=len, reverse=True)
        while True:
            hits = [(text.find(s, i), -len(s), s) for s in specials]
            hits = [h for h in hits if h[0] >= 0]
            if not hits:
                out.append(text[i:])
                return out
            pos, _, s = min(hits)
            out.extend([text[i:pos], s])
            i = pos + len(s)

    def decode(self, ids):
        chars = "".join(self.id_to_token[i] for i in ids if i not in self.special.values())
        return bytes(CHAR_TO_BYTE[c] for c in chars).decode("utf-8", errors="replace")

    def to_json(self):
        """The tokenizer.json GPT-2 ships on the Hugging Face hub, with this vocabulary and these merges."""
        eot = self.special[END_OF_TEXT]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": eot, "content": END_OF_TEXT, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": True, "special": True}],
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                              "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                               "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=2)
            f.write("\n")

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        m = j["model"]
        if m["type"] != "BPE" or j["pre_tokenizer"]["type"] != "ByteLevel":
            raise ValueError(f"{path}: not a byte-level BPE tokenizer.json")
        merges = [tuple(x.split(" ")) if isinstance(x, str) else tuple(x) for x in m["merges"]]
        specials = {t["content"]: t["id"] for t in j["added_tokens"]}
        return cls(dict(m["vocab"]), merges, specials)
