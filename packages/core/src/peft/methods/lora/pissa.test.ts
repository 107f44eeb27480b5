import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Linear } from '../../../nn/index.js';
import { setSeed } from '../../../runtime/index.js';
import { getPeftModel, PeftModel } from '../../peft-model.js';
import {
  ids,
  maxAbsDiff,
  readAdapterConfig,
  TinyBert,
  trainSteps,
  useCpuAndTmpDir,
} from '../../testing/index.js';
import '../../index.js';
import { convertPissaToLora } from './pissa-convert.js';

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (a reference written for the test). */
function symmetricEigenvalues(a: number[][]): number[] {
  const n = a.length;
  const m = a.map((row) => [...row]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (m[p]?.[q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]?.[q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((m[q]?.[q] as number) - (m[p]?.[p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k]?.[p] as number;
          const akq = m[k]?.[q] as number;
          (m[k] as number[])[p] = c * akp - s * akq;
          (m[k] as number[])[q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p]?.[k] as number;
          const aqk = m[q]?.[k] as number;
          (m[p] as number[])[k] = c * apk - s * aqk;
          (m[q] as number[])[k] = s * apk + c * aqk;
        }
      }
    }
  }
  return m.map((row, i) => row[i] as number).sort((x, y) => y - x);
}

/** Singular values of a 2-D tensor via the eigenvalues of W^T W. */
function singularValues(w: tf.Tensor): number[] {
  const g = tf.tidy(() => tf.matMul(w, w, true, false).arraySync() as number[][]);
  return symmetricEigenvalues(g).map((x) => Math.sqrt(Math.max(x, 0)));
}

const tmp = useCpuAndTmpDir('pissa');

const query = 'encoder.layer.0.attention.self.query';

describe('LoRA initLoraWeights: pissa', () => {
  it('keeps the output at init and splits W into top-r factors plus residual (exact and niter)', () => {
    for (const init of ['pissa', 'pissa_niter_4'] as const) {
      setSeed(21);
      const model = new TinyBert();
      const x = ids();
      const before = model.call(x);
      const w0 = (model.getSubmodule(query) as Linear).weight.value.clone();
      const sv = singularValues(w0);
      const peft = getPeftModel(model, {
        peftType: 'LORA',
        r: 3,
        loraAlpha: 6,
        initLoraWeights: init,
        targetModules: ['query', 'value'],
      });
      const after = peft.call(x);
      expect(maxAbsDiff(after, before), init).toBeLessThan(1e-4);

      const scaling = 6 / 3;
      const a = (peft.model.getSubmodule(`${query}.lora_A.default`) as Linear).weight.value; // [in, r]
      const b = (peft.model.getSubmodule(`${query}.lora_B.default`) as Linear).weight.value; // [r, out]
      const wRes = (peft.model.getSubmodule(`${query}.base_layer`) as Linear).weight.value;
      // HF: A = sqrt(S_r/s) V_r^T, B = U_r sqrt(S_r/s): A^T A and B B^T are diag(S_r / scaling).
      const ata = tf.tidy(() => tf.matMul(a, a, true, false).arraySync() as number[][]);
      const bbt = tf.tidy(() => tf.matMul(b, b, false, true).arraySync() as number[][]);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const want = i === j ? (sv[i] as number) / scaling : 0;
          const tol = init === 'pissa' ? 1e-4 : 2e-3;
          expect(Math.abs((ata[i]?.[j] as number) - want), `${init} AtA[${i}][${j}]`).toBeLessThan(
            tol * (sv[0] as number),
          );
          expect(Math.abs((bbt[i]?.[j] as number) - want), `${init} BBt[${i}][${j}]`).toBeLessThan(
            tol * (sv[0] as number),
          );
        }
      }
      // W = W_res + s * A B, and the residual keeps exactly the tail of the spectrum.
      expect(
        maxAbsDiff(
          tf.tidy(() => tf.add(wRes, tf.mul(tf.matMul(a, b), scaling))),
          w0,
        ),
      ).toBeLessThan(1e-5);
      const resNorm = tf.tidy(() => tf.norm(wRes).dataSync()[0] as number);
      const exactTail = Math.sqrt(sv.slice(3).reduce((s, x) => s + x * x, 0));
      expect(Math.abs(resNorm / exactTail - 1), init).toBeLessThan(1e-3);
      tf.dispose([x, before, after, w0]);
      peft.dispose();
    }
  });

  it('is reproducible from the seed (niter) and trains; base residual stays frozen', () => {
    const aOf = (seed: number) => {
      setSeed(seed);
      const peft = getPeftModel(new TinyBert(), {
        peftType: 'LORA',
        r: 2,
        initLoraWeights: 'pissa_niter_2',
        targetModules: ['value'],
      });
      return peft;
    };
    const p1 = aOf(5);
    const p2 = aOf(5);
    const key = 'encoder.layer.1.attention.self.value.lora_A.default';
    const w1 = (p1.model.getSubmodule(key) as Linear).weight.value;
    const w2 = (p2.model.getSubmodule(key) as Linear).weight.value;
    expect(Array.from(w1.dataSync())).toEqual(Array.from(w2.dataSync()));
    const res = (p1.model.getSubmodule('encoder.layer.1.attention.self.value.base_layer') as Linear).weight
      .value;
    const resBefore = res.dataSync().slice();
    const losses = trainSteps(p1, 12);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    expect(Array.from(res.dataSync())).toEqual(Array.from(resBefore));
    p1.dispose();
    p2.dispose();
  });

  it('convertPissaToLora gives a rank-2r LoRA for the original base; reloading re-derives the residual', async () => {
    setSeed(31);
    const peft = getPeftModel(new TinyBert(), {
      peftType: 'LORA',
      r: 2,
      loraAlpha: 4,
      initLoraWeights: 'pissa',
      targetModules: ['query', 'value'],
      modulesToSave: ['classifier'],
    });
    const initDir = tmp('pissa-init');
    await peft.savePretrained(initDir);
    const x = ids();
    trainSteps(peft, 8, { x });
    const want = peft.call(x);
    const native = tmp('pissa-native');
    await peft.savePretrained(native);
    const converted = tmp('pissa-as-lora');
    await convertPissaToLora(peft, converted, { initialDir: initDir });

    expect(await readAdapterConfig(converted)).toMatchObject({
      r: 4,
      lora_alpha: 8,
      init_lora_weights: true,
      peft_type: 'LORA',
    });
    // The original (un-decomposed) base: same seed, same construction.
    setSeed(31);
    const asLora = await PeftModel.fromPretrained(new TinyBert(), converted);
    const got = asLora.call(x);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    // Loading the PiSSA adapter itself on the original base runs the (deterministic) exact SVD
    // again, as HF does, so the residual base is rebuilt.
    setSeed(31);
    const again = await PeftModel.fromPretrained(new TinyBert(), native);
    const got2 = again.call(x);
    expect(maxAbsDiff(got2, want)).toBeLessThan(1e-4);
    tf.dispose([x, want, got, got2]);
    for (const m of [peft, asLora, again]) m.dispose();
  });

  it('rejects PiSSA where it cannot apply, with errors naming the problem', async () => {
    setSeed(1);
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'LORA',
        initLoraWeights: 'pissa',
        targetModules: ['word_embeddings'],
      }),
    ).toThrow(/PiSSA\) supports Linear layers only, not Embedding \(target 'embeddings.word_embeddings'\)/);
    // Every target is checked before any is touched: the query weights are not decomposed.
    const model = new TinyBert();
    const w = (model.getSubmodule(query) as Linear).weight;
    const w0 = w.value.dataSync().slice();
    expect(() =>
      getPeftModel(model, {
        peftType: 'LORA',
        initLoraWeights: 'pissa',
        targetModules: ['query', 'word_embeddings'],
      }),
    ).toThrow(/not Embedding/);
    expect(Array.from(w.value.dataSync())).toEqual(Array.from(w0));
    expect(model.getSubmodule(query)).toBeInstanceOf(Linear);
    expect(() =>
      getPeftModel(new TinyBert(), {
        peftType: 'LORA',
        r: 9,
        initLoraWeights: 'pissa',
        targetModules: ['query'],
      }),
    ).toThrow(/PiSSA needs r <= min\(in, out\) = 8, got r=9/);
    expect(() =>
      // @ts-expect-error an init peftkit lacks, on purpose: the run-time check is under test
      getPeftModel(new TinyBert(), { peftType: 'LORA', initLoraWeights: 'olora', targetModules: ['query'] }),
    ).toThrow(/initLoraWeights: expected .*'pissa_niter_<n>', got 'olora' \('olora' is not implemented/);
    const plain = getPeftModel(new TinyBert(), { peftType: 'LORA', targetModules: ['query'] });
    await expect(convertPissaToLora(plain, tmp('x'), { initialDir: tmp() })).rejects.toThrow(
      /not initialised with PiSSA/,
    );
    plain.dispose();
  });
});
