#!/usr/bin/env python3
"""Synthesise reference works and a JSONL corpus for the text-matching benchmarks.

    python3 scripts/bench-text-data.py OUT [--works N] [--work-words W] [--jsonl-mb M] [--seed S]
                                           [--passage-works P] [--skip-works] [--skip-jsonl]
                                           [--pack-works K]

Works: OUT/works-N/work-00001.txt ... Each work is built from the real books in
/work/shared/data/books: whitespace tokens are cut into clauses (after , ; : . ! ?) of at most
7 words, a work draws random clauses (with a work-specific RNG, seeded by (S, work number), so
work i is the same whatever N is: works-10000 contains works-1000) until it has W words, and
then about every 7th word is replaced by a random word of the books' vocabulary (same RNG).
Works therefore do not share long runs of words with each other, as real books: an 8-word run
always spans two clauses, and the same two clauses are adjacent in two works only by chance
(whole sentences would not do: 10,000 works of 20,000 words reuse each sentence of the 2.5M
words of books ~80 times, and with one word in 7 perturbed, two copies keep a common 8-word run
with probability (6/7)^16 ~ 9% per position: most fingerprints would be shared by several works).
About 5% of clause ends close a paragraph (blank line).

JSONL: OUT/jsonl/shard-000.jsonl ... (about 128 MiB each, M MiB in all) of records of 1-4 KiB
`{"id": ..., "text": ...}`: background text (the Wikipedia summaries of
/work/shared/data/background/*.jsonl, en/es/fr, reshuffled by sentence and perturbed the same
way) and about 1% records that are verbatim passages (300-600 words, cut at spaces of the work
file) of random works among the first P (default 1000), between short background sentences.
OUT/jsonl-truth.tsv lists them (shard, line, work, passage words); it is outside the corpus.

Deterministic for given arguments. Needs numpy.
"""

import argparse
import json
import os
import re
import sys
import time

import numpy as np

BOOKS = "/work/shared/data/books"
BACKGROUND = "/work/shared/data/background"
SHARD_BYTES = 128 << 20
SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
CLAUSE_END = re.compile(r"[.!?,;:][\"')\]]*$")


def sentences_of(tokens, max_unit=None):
    """Unit start offsets (and the end) of a token list: sentences, or, with max_unit,
    clauses (cut after , ; : . ! ?) of at most max_unit words."""
    end = CLAUSE_END if max_unit else SENTENCE_END
    starts = [0]
    for i, tok in enumerate(tokens):
        if i + 1 >= len(tokens):
            break
        if end.search(tok) or (max_unit and i + 1 - starts[-1] >= max_unit):
            starts.append(i + 1)
    starts.append(len(tokens))
    return starts


class Source:
    """Token ids grouped by sentence, with a vocabulary and a paragraph variant of each word."""

    def __init__(self, texts, max_unit=None):
        vocab, index, ids, starts = [], {}, [], []
        for text in texts:
            toks = text.split()
            if not toks:
                continue
            base = len(ids)
            for tok in toks:
                i = index.get(tok)
                if i is None:
                    i = index[tok] = len(vocab)
                    vocab.append(tok)
                ids.append(i)
            starts.extend(base + s for s in sentences_of(toks, max_unit)[:-1])
        starts.append(len(ids))
        self.ids = np.array(ids, dtype=np.int64)
        st = np.array(starts, dtype=np.int64)
        lengths = np.diff(st)
        # Sentences of 1..120 words only (drops tables of contents run together, etc.).
        keep = (lengths > 0) & (lengths <= 120)
        self.starts, self.lengths = st[:-1][keep], lengths[keep]
        self.vocab_size = len(vocab)
        # id v: the word; id v + V: the word followed by a paragraph break.
        self.words = np.array(vocab + [w + "\n\n" for w in vocab], dtype=object)
        self.mean_len = float(self.lengths.mean())
        # About one paragraph break per 6 sentences or 20 clauses.
        self.paragraphs = 0.05 if max_unit else 0.15

    def draw(self, rng, n_words, perturb=7):
        """About n_words token ids: random sentences, every ~perturb-th word replaced."""
        out, have = [], 0
        while have < n_words:
            m = int((n_words - have) / self.mean_len * 1.1) + 4
            seq = rng.integers(len(self.starts), size=m)
            lens = self.lengths[seq]
            total = int(lens.sum())
            ends = np.cumsum(lens)
            offs = np.repeat(self.starts[seq] - (ends - lens), lens)
            ids = self.ids[np.arange(total) + offs]
            # Paragraph break after some sentence ends.
            last = ends - 1
            para = last[rng.random(len(last)) < self.paragraphs]
            ids[para] += self.vocab_size
            out.append(ids)
            have += total
        ids = np.concatenate(out)[:n_words] if len(out) > 1 else out[0][:n_words]
        if perturb:
            mask = rng.random(len(ids)) < 1.0 / perturb
            brk = ids[mask] >= self.vocab_size
            ids[mask] = rng.integers(self.vocab_size, size=int(mask.sum())) + brk * self.vocab_size
        return ids

    def text(self, ids):
        return " ".join(self.words[ids].tolist()).replace("\n\n ", "\n\n").strip() + "\n"


def load_books():
    texts = []
    for name in sorted(os.listdir(BOOKS)):
        if name.endswith(".txt"):
            with open(os.path.join(BOOKS, name), encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
    return Source(texts, max_unit=7)


def load_background():
    texts = []
    for name in sorted(os.listdir(BACKGROUND)):
        if name.endswith(".jsonl"):
            with open(os.path.join(BACKGROUND, name), encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line:
                        t = json.loads(line).get("text")
                        if isinstance(t, str):
                            texts.append(t)
    return Source(texts)


def work_text(books, seed, number, words):
    rng = np.random.default_rng([seed, 1, number])
    return books.text(books.draw(rng, words))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("out")
    ap.add_argument("--works", type=int, default=1000)
    ap.add_argument("--work-words", type=int, default=20000)
    ap.add_argument("--jsonl-mb", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--passage-works", type=int, default=1000,
                    help="passages are taken from works 1..P (default 1000)")
    ap.add_argument("--passage-rate", type=float, default=0.01)
    ap.add_argument("--skip-works", action="store_true")
    ap.add_argument("--skip-jsonl", action="store_true")
    ap.add_argument("--pack-works", type=int, default=0, metavar="K",
                    help="also pack OUT/works-N/*.txt into OUT/works-N-jsonl/part-NN.jsonl of K "
                         "works each ({id, text}: the same texts), for `add-works` in K-work "
                         "transactions")
    a = ap.parse_args()
    t0 = time.time()
    books = load_books()
    print(f"books: {len(books.ids)} words, {len(books.starts)} sentences, "
          f"{books.vocab_size} distinct words", file=sys.stderr)

    if not a.skip_works:
        wdir = os.path.join(a.out, f"works-{a.works}")
        os.makedirs(wdir, exist_ok=True)
        total = 0
        for i in range(1, a.works + 1):
            path = os.path.join(wdir, f"work-{i:05d}.txt")
            text = work_text(books, a.seed, i, a.work_words)
            data = text.encode("utf-8")
            total += len(data)
            with open(path, "wb") as f:
                f.write(data)
        print(f"works-{a.works}: {a.works} works, {total / 1e6:.1f} MB, "
              f"{time.time() - t0:.0f} s", file=sys.stderr)

    if a.pack_works:
        wdir = os.path.join(a.out, f"works-{a.works}")
        pdir = wdir + "-jsonl"
        os.makedirs(pdir, exist_ok=True)
        names = sorted(n for n in os.listdir(wdir) if n.endswith(".txt"))
        for part in range(0, len(names), a.pack_works):
            with open(os.path.join(pdir, f"part-{part // a.pack_works:02d}.jsonl"), "w",
                      encoding="utf-8") as out:
                for n in names[part:part + a.pack_works]:
                    with open(os.path.join(wdir, n), encoding="utf-8") as f:
                        out.write(json.dumps({"id": n[:-4], "text": f.read()},
                                             ensure_ascii=False) + "\n")
        print(f"packed {len(names)} works into {pdir}", file=sys.stderr)

    if not a.skip_jsonl:
        bg = load_background()
        print(f"background: {len(bg.ids)} words, {len(bg.starts)} sentences", file=sys.stderr)
        jdir = os.path.join(a.out, "jsonl")
        os.makedirs(jdir, exist_ok=True)
        rng = np.random.default_rng([a.seed, 2])
        target = a.jsonl_mb << 20
        # bytes per background word, to size records
        sample = bg.text(bg.draw(np.random.default_rng([a.seed, 3]), 20000))
        bpw = len(sample.encode("utf-8")) / 20000
        passages = {}
        written, shard, line, records, planted = 0, 0, 0, 0, 0
        f = open(os.path.join(jdir, f"shard-{shard:03d}.jsonl"), "w", encoding="utf-8")
        shard_bytes = 0
        truth = open(os.path.join(a.out, "jsonl-truth.tsv"), "w")
        truth.write("shard\tline\twork\twords\n")
        while written < target:
            if shard_bytes >= SHARD_BYTES:
                f.close()
                shard += 1
                line = 0
                shard_bytes = 0
                f = open(os.path.join(jdir, f"shard-{shard:03d}.jsonl"), "w", encoding="utf-8")
            rid = f"rec-{records:09d}"
            if rng.random() < a.passage_rate:
                w = int(rng.integers(1, a.passage_works + 1))
                if w not in passages:
                    passages[w] = work_text(books, a.seed, w, a.work_words).split(" ")
                toks = passages[w]
                n = int(rng.integers(300, 601))
                s = int(rng.integers(0, max(1, len(toks) - n)))
                passage = " ".join(toks[s:s + n])
                pre = bg.text(bg.draw(rng, int(rng.integers(10, 60)))).strip()
                post = bg.text(bg.draw(rng, int(rng.integers(10, 60)))).strip()
                text = f"{pre}\n\n{passage}\n\n{post}"
                truth.write(f"{shard}\t{line + 1}\twork-{w:05d}\t{n}\n")
                planted += 1
            else:
                nbytes = int(rng.integers(1024, 4097))
                text = bg.text(bg.draw(rng, max(20, int(nbytes / bpw)))).strip()
            rec = json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n"
            n = len(rec.encode("utf-8"))
            f.write(rec)
            written += n
            shard_bytes += n
            line += 1
            records += 1
        f.close()
        truth.close()
        print(f"jsonl: {records} records ({planted} passages), {written / 1e6:.1f} MB in "
              f"{shard + 1} shards, {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
