"""Reference values for peftkit's BLEU / chrF / chrF++ and the 13a tokeniser, computed with
sacreBLEU itself (pip install sacrebleu==2.6.0; python make_reference.py writes reference.json next
to this file). CI never runs this."""
import json
import os

import sacrebleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

HERE = os.path.dirname(os.path.abspath(__file__))

TOKENIZE = [
    "Hello, world! It costs $3.50.",
    "The 1,000-year-old tree (a yew) stood; 3-4 people & \"friends\" <skipped> came.",
    "e-mail: a.b@c.de, 10.5% of x/y = z? [yes] {no} ~tilde~ `tick` ^caret_",
    "Übersetzung, naïve café... end.",
    "&quot;quoted&quot; &amp; &lt;tag&gt;",
    "  spaces\tand\ttabs  ",
]

CORPORA = {
    "single": (
        ["The cat sat on the mat.", "It is a guide to action which ensures that the military always obeys the commands of the party."],
        [["The cat is on the mat."], ["It is a guide to action that ensures that the military will forever heed Party commands."]],
    ),
    "multi_ref": (
        ["the the the the the the the", "Die Katze sitzt auf der Matte.", "I paid 42 euros, not 24."],
        [["The cat is on the mat.", "There is a cat on the mat."],
         ["Die Katze sass auf der Matte.", "Eine Katze sitzt auf einer Matte."],
         ["I paid 42 euros, not 24!", "It cost me 42 euros."]],
    ),
    "short_no_4gram": (
        ["hello there", "a b c"],
        [["hello there general kenobi"], ["a b d"]],
    ),
    "no_match": (["xyz"], [["abc def"]]),
    "empty_hypothesis": (["", "the cat"], [["the cat sat"], ["the cat"]]),
    "unicode": (
        ["Größe und Straße — naïve café 日本語です", "Ça va très bien, merci."],
        [["Die Größe und die Straße — ein naives Café 日本語です"], ["Ça va bien, merci beaucoup."]],
    ),
}


def streams(refs):
    # sacreBLEU takes reference streams: stream k holds the k-th reference of every segment.
    return [[r[i] for r in refs] for i in range(len(refs[0]))]


def main():
    tok = Tokenizer13a()
    out = {"source": f"make_reference.py (sacrebleu {sacrebleu.__version__})",
           "tokenize13a": [[t, tok(t)] for t in TOKENIZE], "corpora": {}}
    for name, (hyps, refs) in CORPORA.items():
        # Every segment here has the same number of references, so no padding is needed.
        assert len({len(r) for r in refs}) == 1, name
        s = streams(refs)
        bleu = sacrebleu.BLEU().corpus_score(hyps, s)
        out["corpora"][name] = {
            "hypotheses": hyps, "references": refs,
            "bleu": bleu.score, "precisions": bleu.precisions, "bp": bleu.bp,
            "sys_len": bleu.sys_len, "ref_len": bleu.ref_len,
            "chrf": sacrebleu.CHRF().corpus_score(hyps, s).score,
            "chrfpp": sacrebleu.CHRF(word_order=2).corpus_score(hyps, s).score,
        }
    with open(os.path.join(HERE, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
