"""Adds the files a Hugging Face hub directory carries besides the weights to the tiny seq2seq
fixtures, so each directory is a complete plain HF model (tokenizer + generation defaults):

- t5-v1_0/tokenizer.json + tokenizer_config.json: a SentencePiece-style Unigram tokenizer as
  `T5TokenizerFast` saves it (Metaspace, `$A </s>`), 24 pieces = the model's vocab_size.
- bart/tokenizer.json + tokenizer_config.json + generation_config.json: the same kind of
  tokenizer with BART's `<s> $A </s>` template and ids (<s> 0, <pad> 1, </s> 2, <unk> 3); the
  generation config asks for the beam search of reference.json's beam[0] (3 beams, max_length 10).
- marian/vocab.json + source.spm + target.spm + tokenizer_config.json: MarianTokenizer's files,
  two tiny SentencePiece unigram models (toy English / German) and their joint vocabulary;
  generation_config.json as opus-mt models have it (bad_words_ids [[pad]], 2 beams, max_length 12).

No transformers needed; Marian's models need Debian's python3-sentencepiece (0.1.97 here).
Run: /usr/bin/python3 packages/nlp/test-data/seq2seq/make_hf_files.py
"""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = ['the', 'house', 'is', 'small', 'big', 'a', 'cat', 'dog', 'sees', 'and', 'tree', 'green',
         'red', 'old', 'man', 'woman', 'book', 'reads', 'car', 'fast', 'slow', 'blue']


def dump(path, obj):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write('\n')


def special(i, content):
    return {'id': i, 'content': content, 'single_word': False, 'lstrip': False, 'rstrip': False,
            'normalized': False, 'special': True}


def unigram_tokenizer(specials, n_words, unk, template):
    """specials: [(id, token)] at the front of the vocabulary; template: single-sequence pieces."""
    vocab = [[tok, 0.0] for _, tok in specials] + [['\u2581' + w, -1.0] for w in WORDS[:n_words]]
    spec = {tok: {'id': tok, 'ids': [i], 'tokens': [tok]} for i, tok in specials if tok in template}
    single = [{'Sequence': {'id': 'A', 'type_id': 0}} if p == '$A' else {'SpecialToken': {'id': p, 'type_id': 0}}
              for p in template]
    pair = single + [{'Sequence': {'id': 'B', 'type_id': 0}} if p == '$A' else {'SpecialToken': {'id': p, 'type_id': 0}}
                     for p in template if p != '<s>']
    meta = {'type': 'Metaspace', 'replacement': '\u2581', 'prepend_scheme': 'always', 'split': True}
    return {
        'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [special(i, tok) for i, tok in specials],
        'normalizer': None,
        'pre_tokenizer': meta,
        'post_processor': {'type': 'TemplateProcessing', 'single': single, 'pair': pair, 'special_tokens': spec},
        'decoder': meta,
        'model': {'type': 'Unigram', 'unk_id': unk, 'vocab': vocab, 'byte_fallback': False},
    }


def t5():
    d = os.path.join(HERE, 't5-v1_0')
    specials = [(0, '<pad>'), (1, '</s>'), (2, '<unk>')]
    dump(os.path.join(d, 'tokenizer.json'), unigram_tokenizer(specials, 21, 2, ['$A', '</s>']))
    dump(os.path.join(d, 'tokenizer_config.json'), {
        'tokenizer_class': 'T5Tokenizer', 'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': '<pad>',
        'model_max_length': 512})


def bart():
    d = os.path.join(HERE, 'bart')
    specials = [(0, '<s>'), (1, '<pad>'), (2, '</s>'), (3, '<unk>')]
    dump(os.path.join(d, 'tokenizer.json'), unigram_tokenizer(specials, 22, 3, ['<s>', '$A', '</s>']))
    dump(os.path.join(d, 'tokenizer_config.json'), {
        'tokenizer_class': 'BartTokenizer', 'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>',
        'pad_token': '<pad>', 'model_max_length': 1024})
    ref = json.load(open(os.path.join(d, 'reference.json')))
    o = ref['beam'][0]['options']
    dump(os.path.join(d, 'generation_config.json'), {
        'bos_token_id': 0, 'decoder_start_token_id': 2, 'eos_token_id': o['eos'], 'pad_token_id': 1,
        'forced_bos_token_id': o['forced_bos'], 'forced_eos_token_id': o['forced_eos'],
        'num_beams': o['num_beams'], 'max_length': o['max_length'], 'length_penalty': o['length_penalty'],
        'early_stopping': o['early_stopping'], 'no_repeat_ngram_size': 0,
        'transformers_version': '4.46.0'})


MARIAN_SOURCE = ['the cat sees the dog', 'a small house', 'the dog sees a cat', 'the house is small'] * 10
MARIAN_TARGET = ['die katze sieht den hund', 'ein kleines haus', 'das haus ist klein'] * 10


def marian():
    """Two SentencePiece models trained as ../marian-spm/make_fixture.py does (its `train` and
    `without_charsmap`), sized so that </s>, <unk>, the joint pieces and <pad> are the model's 26 ids."""
    import sys
    import tempfile

    import sentencepiece as spm
    sys.path.insert(0, os.path.join(HERE, '..', 'marian-spm'))
    from make_fixture import train, without_charsmap

    d = os.path.join(HERE, 'marian')
    pieces = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, corpus, size in (('source', MARIAN_SOURCE, 20), ('target', MARIAN_TARGET, 19)):
            model = train(corpus, size, tmp, name)
            sp = spm.SentencePieceProcessor(model_file=model)
            for i in range(sp.get_piece_size()):
                p = sp.id_to_piece(i)
                if not sp.is_control(i) and not sp.is_unknown(i) and p not in pieces:
                    pieces.append(p)
            with open(model, 'rb') as f:
                raw = f.read()
            with open(os.path.join(d, name + '.spm'), 'wb') as f:
                f.write(without_charsmap(raw))
    assert len(pieces) == 23, len(pieces)
    vocab = {'</s>': 0, '<unk>': 1}
    for p in pieces:
        vocab[p] = len(vocab)
    vocab['<pad>'] = 25
    dump(os.path.join(d, 'vocab.json'), vocab)
    shutil.copyfile(os.path.join(HERE, '..', 'marian-spm', 'tokenizer_config.json'),
                    os.path.join(d, 'tokenizer_config.json'))
    # As opus-mt models ship it: <pad> (the decoder start) is never generated.
    dump(os.path.join(d, 'generation_config.json'), {
        'bad_words_ids': [[25]], 'bos_token_id': 0, 'decoder_start_token_id': 25, 'eos_token_id': 0,
        'forced_eos_token_id': 0, 'max_length': 12, 'num_beams': 2, 'pad_token_id': 25,
        'transformers_version': '4.46.0'})


if __name__ == '__main__':
    t5()
    bart()
    marian()
