import { describe, expect, it } from 'vitest';
import { corpusRouge, lcsLength, rougeScores, rougeTokenize } from './rouge.js';

// Expected values are from rouge-score's own test suite, google-research/google-research
// rouge/rouge_scorer_test.py (testRouge1, testRouge2, testRougeLConsecutive,
// testRougeLNonConsecutive, testRougeEmpty, testLcsTable and the *AgainstRouge155 tests, whose
// "ground truth" comes from runs of the official ROUGE-1.5.5). The two target/prediction lines
// are rouge/testdata/target.txt and prediction.txt, lines 1 and 2 (random strings built to
// exercise tokenisation and stemming).
const TARGETS = [
  "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L",
  "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN",
];
const PREDICTIONS = [
  "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi",
  "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD",
];

describe('rouge-score compatible ROUGE', () => {
  it('tokenises as rouge-score: lower-case, non [a-z0-9] runs split, empty dropped', () => {
    expect(rougeTokenize("It's 5 o'CLOCK, Café!")).toEqual(['it', 's', '5', 'o', 'clock', 'caf']);
    expect(rougeTokenize('running quickly and cats', { stem: true })).toEqual([
      'run',
      'quickli',
      'and',
      'cat',
    ]);
  });

  it('scores the unit cases of rouge_scorer_test.py', () => {
    const r1 = rougeScores('testing one two', 'testing').rouge1;
    expect([r1.precision, r1.recall, r1.fmeasure]).toEqual([1, 1 / 3, 1 / 2]);
    const r2 = rougeScores('testing one two', 'testing one').rouge2;
    expect(r2.precision).toBe(1);
    expect(r2.recall).toBeCloseTo(1 / 2, 12);
    expect(r2.fmeasure).toBeCloseTo(2 / 3, 12);
    for (const pred of ['testing one', 'testing two']) {
      const l = rougeScores('testing one two', pred).rougeL;
      expect(l.precision).toBe(1);
      expect(l.recall).toBeCloseTo(2 / 3, 12);
      expect(l.fmeasure).toBeCloseTo(4 / 5, 12);
    }
    const empty = rougeScores('testing one two', '');
    for (const s of [empty.rouge1, empty.rouge2, empty.rougeL])
      expect(s).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
    expect(lcsLength(['1', '2', '3', '4', '5'], ['2', '5', '3', '4'])).toBe(3);
    expect(lcsLength(['1', '2'], ['8', '9'])).toBe(0);
  });

  it('matches ROUGE-1.5.5 on the rouge-score test data, without stemming', () => {
    const want = [
      {
        rouge1: [0.40741, 0.6875, 0.51163],
        rouge2: [0.30769, 0.53333, 0.39024],
        rougeL: [0.40741, 0.6875, 0.51163],
      },
      { rouge1: [0.40476, 0.65385, 0.5], rouge2: [0.29268, 0.48, 0.36364], rougeL: [0.40476, 0.65385, 0.5] },
    ];
    want.forEach((w, i) => {
      const got = rougeScores(TARGETS[i] as string, PREDICTIONS[i] as string);
      for (const k of ['rouge1', 'rouge2', 'rougeL'] as const) {
        const [r, p, f] = w[k];
        expect(got[k].recall, `${k} ${i}`).toBeCloseTo(r as number, 5);
        expect(got[k].precision, `${k} ${i}`).toBeCloseTo(p as number, 5);
        expect(got[k].fmeasure, `${k} ${i}`).toBeCloseTo(f as number, 5);
      }
    });
  });

  it('matches ROUGE-1.5.5 on the rouge-score test data, with Porter stemming', () => {
    const want = [
      { rouge1: [0.40741, 0.6875, 0.51163], rouge2: [0.30769, 0.53333, 0.39024] },
      { rouge1: [0.42857, 0.69231, 0.52941], rouge2: [0.29268, 0.48, 0.36364] },
    ];
    want.forEach((w, i) => {
      const got = rougeScores(TARGETS[i] as string, PREDICTIONS[i] as string, { stem: true });
      for (const k of ['rouge1', 'rouge2'] as const) {
        const [r, p, f] = w[k];
        expect(got[k].recall, `${k} ${i}`).toBeCloseTo(r as number, 5);
        expect(got[k].precision, `${k} ${i}`).toBeCloseTo(p as number, 5);
        expect(got[k].fmeasure, `${k} ${i}`).toBeCloseTo(f as number, 5);
      }
    });
  });

  it('averages F-measures over a corpus, taking the best reference per segment', () => {
    const c = corpusRouge(['testing', 'a b c'], [['testing one two'], ['x y z', 'a b c']]);
    expect(c.rouge1).toBeCloseTo((1 / 2 + 1) / 2, 12);
    expect(c.rouge2).toBeCloseTo((0 + 1) / 2, 12);
    expect(c.rougeL).toBeCloseTo((1 / 2 + 1) / 2, 12);
  });
});
