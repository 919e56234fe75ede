"""The fortune corpus: every fortune cookie of Debian's fortunes and fortunes-min packages as one document.

A fortune file holds entries separated by lines that hold only "%"; the .dat files are strfile's indexes and the
.u8 names are links to the same files, so both are skipped. Debian ships the offensive fortunes in a separate
package (fortunes-off) that is not used. Documents keep their text byte for byte (tabs, the odd backspace of an
overstruck word) less the newlines around them; exact duplicates (the same cookie in two files) are kept once,
in the first file (by name) that holds them, so that no validation document is also a training document.
"""
import os
import random

FORTUNE_DIR = "/usr/share/games/fortunes"


def fortune_files(root=FORTUNE_DIR):
    names = sorted(n for n in os.listdir(root)
                   if not n.endswith((".dat", ".u8")) and os.path.isfile(os.path.join(root, n))
                   and not os.path.islink(os.path.join(root, n)))
    if not names:
        raise FileNotFoundError(f"{root}: no fortune files (apt-get install fortunes fortunes-min)")
    return [os.path.join(root, n) for n in names]


def split_entries(text):
    """The documents of one fortune file: the text between '%' lines, outer newlines dropped, empties skipped."""
    docs, lines = [], []
    for line in text.split("\n") + ["%"]:
        if line == "%":
            doc = "\n".join(lines).strip("\n")
            if doc.strip():
                docs.append(doc)
            lines = []
        else:
            lines.append(line)
    return docs


def load_documents(root=FORTUNE_DIR):
    """(documents, statistics): every distinct fortune, in file-name then file order."""
    seen = set()
    docs = []
    total = duplicates = 0
    files = fortune_files(root)
    for path in files:
        with open(path, encoding="utf-8") as f:
            for doc in split_entries(f.read()):
                total += 1
                if doc in seen:
                    duplicates += 1
                    continue
                seen.add(doc)
                docs.append(doc)
    stats = {"files": [os.path.basename(p) for p in files], "entries": total, "duplicates_dropped": duplicates,
             "documents": len(docs)}
    return docs, stats


def split(docs, val_fraction, seed):
    """(train, validation): a seeded shuffle of the document indices, the first val_fraction of it validates.
    Both keep the corpus order."""
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    n_val = round(len(docs) * val_fraction)
    val = set(order[:n_val])
    return [d for i, d in enumerate(docs) if i not in val], [d for i, d in enumerate(docs) if i in val]
