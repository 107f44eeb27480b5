"""Writes a tiny Marian tokenizer directory as MarianMT checkpoints ship it (no tokenizer.json):
source.spm and target.spm (two SentencePiece unigram models trained here on an inline corpus,
`nmt_nfkc`, no byte fallback, Marian's special ids <unk>=0 <s>=1 </s>=2), a joint vocab.json
(</s>=0, <unk>=1, the pieces of both models, <pad> last, as Marian's conversion lays it out) and
tokenizer_config.json. expected.json records what transformers' slow MarianTokenizer computes,
written out: source text -> source.spm pieces -> vocab.json ids (unknown pieces -> <unk>) + </s>;
targets the same with target.spm; decoding drops special ids and joins the pieces with target.spm's
decode_pieces. The .spm files are written without their ~235 KB precompiled nmt_nfkc charsmap. It also
lists every piece and score of both models (the protobuf reader is checked against them).

Run with Debian's python3-sentencepiece (apt-get install python3-sentencepiece; 0.1.97 here):
    /usr/bin/python3 packages/nlp/test-data/marian-spm/make_fixture.py
CI never runs this."""
import json
import os
import re
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = [
    "The quick brown fox jumps over the lazy dog.",
    "Translation models read a source sentence and write a target sentence.",
    "I paid 42 euros for 3 books in 2024, and it was worth it!",
    "Hello world, hello there, hello again and again.",
    "Numbers like 100, 250 and 3.14 appear in the text.",
    "Cafe, naive, resume and facade are borrowed words.",
    "The house is small but the garden is large.",
] * 20
TARGET = [
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Übersetzungsmodelle lesen einen Quellsatz und schreiben einen Zielsatz.",
    "Ich habe 42 Euro für 3 Bücher bezahlt, und es hat sich gelohnt!",
    "Hallo Welt, hallo da, hallo noch einmal.",
    "Das Haus ist klein, aber der Garten ist groß.",
] * 20
TEXTS = [
    "The quick brown fox.",
    "Hello world",
    "hello again, and again and again",
    "I paid 250 euros in 2024!",
    "  leading and   inner   spaces  ",
    "ｆｕｌｌｗｉｄｔｈ １２３",  # NFKC folds fullwidth letters and digits
    "tabs\tand\nnewlines",
    "zebra quizzical xylophone",
    "emoji 🙂 and 日本",  # characters neither model saw: <unk>
    "</s> inside text",
    "",
]
TARGETS = ["Der Hund ist klein.", "Hallo Welt!", "Übersetzung 🙂"]


def train(corpus, size, tmp, name):
    path = os.path.join(tmp, name + ".txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(corpus))
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=os.path.join(tmp, name), model_type="unigram", vocab_size=size,
        character_coverage=1.0, normalization_rule_name="nmt_nfkc", minloglevel=2,
    )
    return os.path.join(tmp, name + ".model")


SPECIAL = ("</s>", "<unk>", "<pad>")


def marian_ids(sp, vocab, text):
    """MarianTokenizer: special tokens in the text are split off first (PreTrainedTokenizer.tokenize),
    every other chunk is encoded by the SentencePiece model, pieces map to vocab.json ids."""
    pieces = []
    for chunk in re.split("(" + "|".join(re.escape(t) for t in SPECIAL) + ")", text):
        if chunk in SPECIAL:
            pieces.append(chunk)
        elif chunk:
            pieces += sp.encode(chunk, out_type=str)
    return pieces, [vocab.get(p, vocab["<unk>"]) for p in pieces] + [vocab["</s>"]]


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def put_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def fields(buf):
    """(field number, wire type, raw bytes of the whole field) of a protobuf message."""
    i = 0
    while i < len(buf):
        start = i
        key, i = varint(buf, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            n, i = varint(buf, i)
            i += n
        else:
            raise ValueError("unexpected wire type")
        yield key >> 3, wire, buf[start:i]


def without_charsmap(model):
    """The model with normalizer_spec.precompiled_charsmap (ModelProto 3 -> NormalizerSpec 2)
    emptied: ~235 KB of nmt_nfkc tables that peftkit does not decode (it applies nmt_nfkc by name).
    The expected encodings are computed with the full model."""
    out = bytearray()
    for num, wire, raw in fields(model):
        if num == 3 and wire == 2:
            _, body_at = varint(raw, 0)
            n, body_at = varint(raw, body_at)
            body = b"".join(r for f, _, r in fields(raw[body_at:body_at + n]) if f != 2)
            raw = put_varint((3 << 3) | 2) + put_varint(len(body)) + body
        out += raw
    return bytes(out)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        src_path = train(SOURCE, 90, tmp, "source")
        tgt_path = train(TARGET, 80, tmp, "target")
        src = spm.SentencePieceProcessor(model_file=src_path)
        tgt = spm.SentencePieceProcessor(model_file=tgt_path)
        for path, name in ((src_path, "source.spm"), (tgt_path, "target.spm")):
            with open(path, "rb") as f:
                small = without_charsmap(f.read())
            with open(os.path.join(HERE, name), "wb") as f:
                f.write(small)
            # The emptied model still loads and has the same pieces and scores.
            check = spm.SentencePieceProcessor(model_file=os.path.join(HERE, name))
            assert check.get_piece_size() == (src if name == "source.spm" else tgt).get_piece_size()
    vocab = {"</s>": 0, "<unk>": 1}
    for sp in (src, tgt):
        for i in range(sp.get_piece_size()):
            p = sp.id_to_piece(i)
            if not (sp.is_control(i) or sp.is_unknown(i)) and p not in vocab:
                vocab[p] = len(vocab)
    vocab["<pad>"] = len(vocab)
    with open(os.path.join(HERE, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=1)
    with open(os.path.join(HERE, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "MarianTokenizer", "source_lang": "en", "target_lang": "de",
                   "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                   "model_max_length": 512, "separate_vocabs": False}, f, indent=1)
    cases = []
    for text in TEXTS:
        pieces, ids = marian_ids(src, vocab, text)
        cases.append({"text": text, "pieces": pieces, "ids": ids})
    targets = []
    for text in TARGETS:
        pieces, ids = marian_ids(tgt, vocab, text)
        # MarianTokenizer.decode(ids, skip_special_tokens=True): ids -> vocab pieces, specials
        # (</s>, <unk>, <pad>) dropped, then target.spm's decode_pieces.
        inverse = {i: p for p, i in vocab.items()}
        kept = [inverse[i] for i in ids if inverse[i] not in SPECIAL]
        targets.append({"text": text, "pieces": pieces, "ids": ids, "decoded": tgt.decode_pieces(kept)})
    out = {
        "source": "make_fixture.py (sentencepiece " + spm.__version__ + ")",
        "models": {name: [[sp.id_to_piece(i), sp.get_score(i), int(sp.is_control(i)), int(sp.is_unknown(i))]
                          for i in range(sp.get_piece_size())] for name, sp in (("source", src), ("target", tgt))},
        "cases": cases,
        "targets": targets,
    }
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(len(vocab), "vocab;", [c["pieces"] for c in cases[:5]])


if __name__ == "__main__":
    main()
