#!/usr/bin/python3
"""Trains the fortune language model: a byte-level BPE tokenizer and a small GPT-2-style decoder on the fortune
cookies of Debian's fortunes packages, deterministically on the CPU, and exports it as ONNX with its tokenizer,
a sidecar, a training log and a validation batch with PyTorch's logits (tests/engine/test_small_lm.cpp).

    train_lm.py [--out DIR] [--work DIR] [--epochs N] [--threads T] [--seed S] [--max-steps N] ...

Writes OUT/model.onnx, tokenizer.json, model.json (the sidecar), train.log, val_batch.ids.npy (int64
[rows, context]) and val_batch.logits.npy (float32 [rows, context, vocab]); WORK/model.pt (the PyTorch weights)
and WORK/model_op13.onnx (the same model at opset 13, checked and not committed). See scripts/lm/README.md.

Data: every distinct fortune is a document; a seeded shuffle of the documents puts 5 % in validation. Each
split is one token stream: every document's tokens followed by <|endoftext|>. An epoch reads the training
stream as windows of context + 1 tokens starting every `context` tokens from a random offset in [0, context),
in a random order (torch generator seeded from --seed and the epoch). Validation reads its stream from the
start as windows of context + 1 tokens with stride `context` (every token after the first is a target exactly
once; a last window shorter than context + 1 is left out), and the perplexity is exp of the mean negative log
likelihood over all their targets.

Determinism: seeded generators, a fixed thread count (one by default: on this shared 2-core machine two torch
threads ran a training step about 4x slower than one), no data loader workers; the same command gives the same
weights and the same ONNX bytes on the same machine, torch build and BLAS library.
"""
import argparse
import hashlib
import io
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe  # noqa: E402
import corpus  # noqa: E402
from model import GPT, Config  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TRAIN_EVAL_EVERY = 8  # the final training loss reads every 8th training window (stride context) in eval mode


class Log:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8")

    def __call__(self, msg):
        print(msg, flush=True)
        self.f.write(msg + "\n")
        self.f.flush()


def blas_library():
    """The BLAS shared library this process loaded (it decides the speed and the last bits of the weights)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    return sorted(os.path.realpath(p) for p in libs)


def debian_version(package):
    try:
        with open("/var/lib/dpkg/status", encoding="utf-8") as f:
            blocks = f.read().split("\n\n")
    except OSError:
        return None
    for b in blocks:
        fields = dict(line.split(": ", 1) for line in b.splitlines() if ": " in line and not line.startswith(" "))
        if fields.get("Package") == package and "installed" in fields.get("Status", ""):
            return fields.get("Version")
    return None


def stream(tok, docs):
    ids = []
    for d in docs:
        ids.extend(tok.encode(d))
        ids.append(tok.eot_id)
    return torch.tensor(ids, dtype=torch.long)


def validation_windows(ids, context):
    """[windows, context + 1]: stride `context`, full windows only."""
    n = (len(ids) - 1) // context
    return torch.stack([ids[k * context:k * context + context + 1] for k in range(n)])


def epoch_windows(ids, context, gen):
    offset = int(torch.randint(0, context, (1,), generator=gen))
    n = (len(ids) - 1 - offset) // context
    starts = offset + context * torch.arange(n)
    starts = starts[torch.randperm(n, generator=gen)]
    return torch.stack([ids[s:s + context + 1] for s in starts.tolist()])


@torch.no_grad()
def evaluate(model, windows, batch):
    """Mean NLL (nats/token) over every target of the windows, summed in float64; the model's mode is kept."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for k in range(0, len(windows), batch):
        w = windows[k:k + batch]
        logits = model(w[:, :-1])
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1), reduction="sum")
        total += float(nll.double())
        count += w[:, 1:].numel()
    model.train(was_training)
    return total / count


def lr_at(step, total, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, total - args.warmup)
    return args.lr * (args.min_lr + (1 - args.min_lr) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def export_onnx(model, example, opset):
    """ONNX bytes with the tied head reading the token embedding itself.

    torch.onnx's constant folding turns the head's `tok.weight.t()` into a second initializer holding the
    transposed table (a second copy of the embedding). It is replaced here by a Transpose node on tok.weight,
    after checking that it holds exactly the transposed embedding."""
    import onnx
    from onnx import helper, numpy_helper

    f = io.BytesIO()
    torch.onnx.export(model, example, f, opset_version=opset, input_names=["input_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "logits": {0: "batch", 1: "sequence"}})
    m = onnx.load_from_string(f.getvalue())
    g = m.graph
    table = next(i for i in g.initializer if i.name == "tok.weight")
    emb = numpy_helper.to_array(table)
    copies = [i for i in g.initializer if i.name != table.name and list(i.dims) == [emb.shape[1], emb.shape[0]]
              and np.array_equal(numpy_helper.to_array(i), emb.T)]
    if len(copies) != 1:
        raise RuntimeError(f"expected one transposed copy of the token embedding in the export, found {len(copies)}")
    copy = copies[0]
    g.initializer.remove(copy)
    for inp in list(g.input):
        if inp.name == copy.name:
            g.input.remove(inp)
    transposed = "tok.weight.transposed"
    for n in g.node:
        for k, name in enumerate(n.input):
            if name == copy.name:
                n.input[k] = transposed
    g.node.insert(0, helper.make_node("Transpose", ["tok.weight"], [transposed], name="/head/Transpose",
                                      perm=[1, 0]))
    onnx.checker.check_model(m)
    readers = {n.op_type for n in g.node if "tok.weight" in n.input}
    if readers != {"Gather", "Transpose"}:
        raise RuntimeError(f"tok.weight is read by {readers}, expected the embedding Gather and the head Transpose")
    return m.SerializeToString()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(REPO, "trained", "fortune-lm"))
    p.add_argument("--work", default=os.path.join(REPO, "build", "lm-work"))
    p.add_argument("--corpus", default=corpus.FORTUNE_DIR)
    p.add_argument("--vocab", type=int, default=1024)
    p.add_argument("--context", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr", type=float, default=0.1, help="final learning rate as a fraction of --lr")
    p.add_argument("--warmup", type=int, default=200, help="linear warm-up steps")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--val-fraction", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--test-rows", type=int, default=2, help="validation windows kept for the engine test")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: all epochs)")
    p.add_argument("--log-every", type=int, default=25)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    log = Log(os.path.join(args.out, "train.log"))
    t0 = time.time()
    log(f"# {' '.join([os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:])}")
    log(f"# torch {torch.__version__}, {args.threads} thread(s), BLAS {', '.join(blas_library()) or 'none seen'}")

    docs, stats = corpus.load_documents(args.corpus)
    train_docs, val_docs = corpus.split(docs, args.val_fraction, args.seed)
    tok = bpe.train(train_docs, args.vocab)
    tok.save(os.path.join(args.out, "tokenizer.json"))
    train_ids, val_ids = stream(tok, train_docs), stream(tok, val_docs)
    nbytes = [sum(len(d.encode("utf-8")) for d in s) for s in (train_docs, val_docs)]
    log(f"# corpus: {stats['documents']} documents ({stats['entries']} entries, {stats['duplicates_dropped']} "
        f"duplicates dropped) from {len(stats['files'])} files; train {len(train_docs)} documents, {nbytes[0]} "
        f"bytes, {len(train_ids)} tokens; validation {len(val_docs)} documents, {nbytes[1]} bytes, "
        f"{len(val_ids)} tokens (incl. one <|endoftext|> per document)")
    log(f"# tokenizer: {len(tok)} tokens ({len(tok.merges)} merges) trained in {time.time() - t0:.0f} s")

    cfg = Config(vocab=len(tok), context=args.context, layers=args.layers, heads=args.heads, width=args.width,
                 dropout=args.dropout)
    torch.manual_seed(args.seed)
    model = GPT(cfg)
    log(f"# model: {cfg.to_dict()}, {model.parameter_count()} parameters")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    val_windows = validation_windows(val_ids, args.context)
    steps_per_epoch = math.ceil(((len(train_ids) - 1 - (args.context - 1)) // args.context) / args.batch)
    total = steps_per_epoch * args.epochs
    if args.max_steps:
        total = min(total, args.max_steps)
    log(f"# {args.epochs} epochs x about {steps_per_epoch} steps of {args.batch} x {args.context} tokens; "
        f"{total} steps; validation: {len(val_windows)} windows, stride {args.context}")
    log("step\tepoch\tlr\ttrain_loss\tval_loss\tval_ppl\tseconds")

    step = 0
    t_train = time.time()
    model.train()
    done = False
    for epoch in range(args.epochs):
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        windows = epoch_windows(train_ids, args.context, gen)
        running, seen = 0.0, 0
        for k in range(0, len(windows), args.batch):
            w = windows[k:k + args.batch]
            lr = lr_at(step, total, args)
            for group in opt.param_groups:
                group["lr"] = lr
            logits = model(w[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), w[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            running += float(loss)
            seen += 1
            if step % args.log_every == 0:
                log(f"{step}\t{epoch}\t{lr:.3e}\t{running / seen:.4f}\t\t\t{time.time() - t_train:.0f}")
                running, seen = 0.0, 0
            if step >= total:
                done = True
                break
        val = evaluate(model, val_windows, 64)
        tail = f"{running / seen:.4f}" if seen else ""
        log(f"{step}\t{epoch}\t{lr:.3e}\t{tail}\t{val:.4f}\t{math.exp(val):.3f}\t"
            f"{time.time() - t_train:.0f}")
        if done:
            break
    train_seconds = time.time() - t_train

    model.eval()
    train_eval = evaluate(model, validation_windows(train_ids, args.context)[::TRAIN_EVAL_EVERY], 64)
    val_loss = evaluate(model, val_windows, 64)
    log(f"# final (eval mode, fp32): train loss {train_eval:.4f} (ppl {math.exp(train_eval):.3f}; every "
        f"{TRAIN_EVAL_EVERY}th window), validation loss {val_loss:.4f} (ppl {math.exp(val_loss):.3f}); training "
        f"{train_seconds:.0f} s")
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(args.work, "model.pt"))
    weights_sha = hashlib.sha256(b"".join(v.numpy().tobytes() for v in state.values())).hexdigest()
    log(f"# sha256 of the weights (state_dict order, raw fp32): {weights_sha}")

    example = val_windows[:args.test_rows, :-1].contiguous()
    onnx_bytes = export_onnx(model, example, args.opset)
    onnx_path = os.path.join(args.out, "model.onnx")
    with open(onnx_path, "wb") as f:
        f.write(onnx_bytes)
    other = 13 if args.opset != 13 else 17
    with open(os.path.join(args.work, f"model_op{other}.onnx"), "wb") as f:
        f.write(export_onnx(model, example, other))
    with torch.no_grad():
        logits = model(example)
        ref = F.cross_entropy(logits[:, :-1].double().reshape(-1, cfg.vocab), example[:, 1:].reshape(-1))
    np.save(os.path.join(args.out, "val_batch.ids.npy"), example.numpy().astype(np.int64))
    np.save(os.path.join(args.out, "val_batch.logits.npy"), logits.numpy().astype(np.float32))
    sha = hashlib.sha256(onnx_bytes).hexdigest()

    sidecar = {
        "name": "fortune-lm",
        "kind": "causal-lm",
        "onnx": "model.onnx",
        "sha256": sha,
        "tokenizer": "tokenizer.json",
        "source": f"scripts/lm/train_lm.py {' '.join(sys.argv[1:])}".strip(),
        "architecture": "GPT-2-style decoder: token + learned position embeddings, pre-norm blocks (causal "
                        "self-attention, GELU (erf) MLP of 4x width), final LayerNorm, output head tied to the "
                        "token embedding",
        "vocab": cfg.vocab,
        "context": cfg.context,
        "layers": cfg.layers,
        "heads": cfg.heads,
        "width": cfg.width,
        "parameters": model.parameter_count(),
        "tied_head": True,
        "input": {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]},
        "output": {"name": "logits", "dtype": "float32", "shape": ["batch", "sequence", "vocab"]},
        "opset": args.opset,
        "end_of_text_id": tok.eot_id,
        "corpus": {
            "packages": {p: debian_version(p) for p in ("fortunes", "fortunes-min")},
            "licence": "BSD (University of California, Berkeley; /usr/share/doc/fortunes/copyright)",
            "path": args.corpus,
            "files": stats["files"],
            "documents": stats["documents"],
            "duplicates_dropped": stats["duplicates_dropped"],
            "split": {"method": "documents shuffled by random.Random(seed), first val_fraction validate",
                      "seed": args.seed, "val_fraction": args.val_fraction,
                      "train": {"documents": len(train_docs), "bytes": nbytes[0], "tokens": len(train_ids)},
                      "validation": {"documents": len(val_docs), "bytes": nbytes[1], "tokens": len(val_ids)}},
        },
        "training": {"seed": args.seed, "epochs": args.epochs, "steps": step, "batch": args.batch,
                     "optimizer": "AdamW (0.9, 0.95)", "lr": args.lr, "schedule": "linear warm-up, cosine",
                     "warmup": args.warmup, "min_lr_fraction": args.min_lr, "weight_decay": args.weight_decay,
                     "dropout": args.dropout, "threads": args.threads, "seconds": round(train_seconds),
                     "torch": torch.__version__, "blas": blas_library(), "weights_sha256": weights_sha},
        "evaluation": {"framework": "PyTorch fp32, eval mode",
                       "validation_windows": len(val_windows), "window": args.context, "stride": args.context,
                       "validation_loss": round(val_loss, 6), "validation_perplexity": round(math.exp(val_loss), 4),
                       "train_loss": round(train_eval, 6), "train_perplexity": round(math.exp(train_eval), 4),
                       "train_windows": f"every {TRAIN_EVAL_EVERY}th training window, stride {args.context}"},
        "test_batch": {"ids": "val_batch.ids.npy", "logits": "val_batch.logits.npy",
                       "rows": "the first validation windows, their first `context` tokens",
                       "mean_nll": float(ref),
                       "mean_nll_targets": "position t predicts token t+1 of the same row (context - 1 a row), "
                                           "log-softmax in float64 of the float32 logits"},
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    log(f"# wrote {onnx_path} ({len(onnx_bytes)} bytes, sha256 {sha}); test batch mean NLL {float(ref):.6f}; "
        f"{time.time() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
