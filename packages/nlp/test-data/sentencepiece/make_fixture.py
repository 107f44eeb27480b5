"""Trains two tiny SentencePiece models (unigram with byte fallback, BPE with byte fallback) on a
small inline corpus, writes each as a Hugging Face `tokenizer.json` (built by hand, as
transformers' SpmConverter lays it out) and records SentencePiece's own encodings of varied text as
the expected ids. Run: pip install sentencepiece==0.2.2; python make_fixture.py (writes
sentencepiece.json next to this file). CI never runs this."""
import base64
import json
import os
import tempfile

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "I paid 42 euros for 3 books in 2024, and it was worth it!",
    "Translation models read a source sentence and write a target sentence.",
    "Die Übersetzung ist gut; la traduction est très bonne.",
    "Hello world, hello there, hello again and again.",
    "Numbers like 100, 250 and 3.14 appear in the text.",
    "Summaries are shorter than the documents they summarise.",
    "Café, naïve, résumé, façade, Straße and Größe are words with accents.",
] * 20
TEXTS = [
    "The quick brown fox.",
    "Hello world",
    "über den Hund",
    "Café naïve résumé",
    "Cafe\u0301 decomposed",  # e + combining acute: NFKC composes it
    "I paid 42 euros in 2024!",
    "ｆｕｌｌｗｉｄｔｈ １２３",  # fullwidth letters and digits: NFKC folds them
    "a  b   c",  # whitespace runs collapse
    "tabs\tand\nnewlines",
    "zebra quizzical xylophone",  # rare letters
    "日本語 ❤ 🙂",  # characters the model never saw
    "Größe and Straße",
    "",
]


def train(model_type: str, vocab_size: int) -> spm.SentencePieceProcessor:
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(CORPUS))
        prefix = os.path.join(tmp, "m")
        spm.SentencePieceTrainer.train(
            input=corpus,
            model_prefix=prefix,
            model_type=model_type,
            vocab_size=vocab_size,
            byte_fallback=True,
            character_coverage=1.0,
            pad_id=0,
            eos_id=1,
            unk_id=2,
            bos_id=-1,
            normalization_rule_name="nmt_nfkc",
            minloglevel=2,
        )
        return spm.SentencePieceProcessor(model_file=prefix + ".model")


def special(content: str, i: int) -> dict:
    return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


def tokenizer_json(sp: spm.SentencePieceProcessor, model_type: str) -> dict:
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    # The charsmap itself is not reproduced: peftkit (like tokenizers.js) applies NFKC + the NMT
    # control/whitespace rules it encodes, so an empty charsmap stands for nmt_nfkc here.
    normalizer = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(b"").decode()},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
    ]}
    if model_type == "unigram":
        model = {"type": "Unigram", "unk_id": 2, "vocab": [[p, s] for p, s in pieces], "byte_fallback": True}
    else:
        vocab = {p: i for i, (p, _) in enumerate(pieces)}
        merges = []
        for i, (p, _) in enumerate(pieces):
            if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i):
                continue
            for k in range(1, len(p)):
                left, right = p[:k], p[k:]
                if left in vocab and right in vocab:
                    merges.append((i, vocab[left], vocab[right], left, right))
        merges.sort()
        model = {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                 "vocab": vocab, "merges": [[m[3], m[4]] for m in merges]}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special("<pad>", 0), special("</s>", 1), special("<unk>", 2)],
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": model,
    }


def main() -> None:
    out = {"source": "make_fixture.py (sentencepiece " + spm.__version__ + ")"}
    for model_type, size in (("unigram", 380), ("bpe", 380)):
        sp = train(model_type, size)
        cases = []
        for text in TEXTS:
            ids = sp.encode(text)
            cases.append({"text": text, "ids": ids, "pieces": [sp.id_to_piece(i) for i in ids],
                          "decoded": sp.decode(ids)})
        out[model_type] = {"tokenizer": tokenizer_json(sp, model_type), "cases": cases}
    with open(os.path.join(HERE, "sentencepiece.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
