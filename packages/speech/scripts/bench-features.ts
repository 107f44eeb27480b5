/**
 * Times the feature extractors on a batch of 16 x 10 s utterances at 16 kHz and compares the host
 * FFT path with a tfjs DFT-as-matMul (the design brief's alternative) for the Whisper log-mel.
 *
 *   npx tsx packages/speech/scripts/bench-features.ts [--batch 16] [--seconds 10]
 */
import { initBackend, Rng } from '@peftkit/core';
import * as tf from '@tensorflow/tfjs';
import {
  KaldiFbank,
  KaldiMfcc,
  normalizeWaveform,
  SpecAugment,
  speedPerturb,
  WhisperLogMel,
} from '../src/features/index.js';
import { reflectIndex } from '../src/features/reflect.js';
import { hannWindow } from '../src/features/windows.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const batch = arg('--batch', 16);
const seconds = arg('--seconds', 10);
const rng = new Rng(0);
const utterances = Array.from({ length: batch }, () =>
  Float32Array.from({ length: seconds * 16000 }, (_, i) => 0.3 * Math.sin(i / 7) + rng.normal(0, 0.05)),
);

/**
 * Best of `repeats` runs after a warm-up. CPU time (user + system of this process) is reported
 * next to wall time because the machine is shared: on a busy host wall time mostly measures the
 * wait for a core.
 */
function time(label: string, fn: () => void, repeats = 3): void {
  fn(); // warm-up (JIT, tables)
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  const per = (ms: number) => (ms / batch).toFixed(2).padStart(7);
  console.log(`${label.padEnd(44)} per ${seconds} s utterance: cpu ${per(cpu)} ms, wall ${per(wall)} ms`);
}

const whisper = new WhisperLogMel({ padToChunk: false });
const whisperChunk = new WhisperLogMel();
const fbank = new KaldiFbank({ numMelBins: 80 });
const mfcc = new KaldiMfcc();
time('host whisper log-mel (80, no pad)', () => {
  for (const u of utterances) whisper.extract(u);
});
time('host whisper log-mel (80, padded to 30 s)', () => {
  for (const u of utterances) whisperChunk.extract(u);
});
time('host kaldi fbank (80 bins)', () => {
  for (const u of utterances) fbank.extract(u);
});
time('host kaldi mfcc (13 ceps, 23 bins)', () => {
  for (const u of utterances) mfcc.extract(u);
});
time('host wav2vec2 normalise', () => {
  for (const u of utterances) normalizeWaveform(u);
});
time('host speed perturb 1.1', () => {
  for (const u of utterances) speedPerturb(u, 1.1);
});
const feats = utterances.map((u) => whisper.extract(u).features);
const spec = new SpecAugment();
time('host spec-augment (LD policy)', () => {
  for (const f of feats) spec.apply(f, { training: true, rng });
});

// tfjs alternative: frames on the host, then [frames, 400] @ [400, 402] (cos | sin), power,
// @ [201, 80] mel, log10 and the per-utterance floor, on the selected backend.
const report = await initBackend();
const nFft = 400;
const hop = 160;
const bins = nFft / 2 + 1;
const window = hannWindow(nFft, true);
const basis = new Float32Array(nFft * 2 * bins);
for (let j = 0; j < nFft; j++) {
  for (let k = 0; k < bins; k++) {
    const a = (2 * Math.PI * ((j * k) % nFft)) / nFft;
    basis[j * 2 * bins + k] = Math.cos(a);
    basis[j * 2 * bins + bins + k] = -Math.sin(a);
  }
}
const basisT = tf.tensor2d(basis, [nFft, 2 * bins]);
const melT = tf.tensor2d(
  (() => {
    const dense = whisper.melFilters.toDense(); // [80][201]
    const t = new Float32Array(bins * 80);
    for (let m = 0; m < 80; m++) for (let k = 0; k < bins; k++) t[k * 80 + m] = dense[m * bins + k]!;
    return t;
  })(),
  [bins, 80],
);
function framesOf(u: Float32Array): Float32Array {
  const frames = Math.floor(u.length / hop);
  const out = new Float32Array(frames * nFft);
  for (let t = 0; t < frames; t++) {
    for (let j = 0; j < nFft; j++)
      out[t * nFft + j] = u[reflectIndex(t * hop - nFft / 2 + j, u.length)]! * window[j]!;
  }
  return out;
}
let tfjsOut: Float32Array | undefined;
const before = tf.memory().numTensors;
time(`tfjs (${report.backend}) whisper log-mel as matMul`, () => {
  const framed = utterances.map(framesOf);
  const perUtt = framed[0]!.length / nFft;
  const all = new Float32Array(batch * perUtt * nFft);
  framed.forEach((f, b) => {
    all.set(f, b * perUtt * nFft);
  });
  const out = tf.tidy(() => {
    const x = tf.tensor2d(all, [batch * perUtt, nFft]);
    const spec2 = tf.matMul(x, basisT);
    const power = tf.add(
      tf.square(spec2.slice([0, 0], [-1, bins])),
      tf.square(spec2.slice([0, bins], [-1, bins])),
    );
    const mel = tf.matMul(power, melT).reshape([batch, perUtt, 80]);
    const log = tf.div(tf.log(tf.maximum(mel, 1e-10)), Math.LN10);
    const floor = tf.sub(tf.max(log, [1, 2], true), 8);
    return tf.div(tf.add(tf.maximum(log, floor), 4), 4);
  });
  tfjsOut = out.dataSync() as Float32Array;
  out.dispose();
});
if (tf.memory().numTensors !== before) throw new Error('tfjs path leaked tensors');
const host = whisper.extract(utterances[0]!).features.data;
let worst = 0;
for (let i = 0; i < host.length; i++) worst = Math.max(worst, Math.abs(host[i]! - tfjsOut![i]!));
console.log(`tfjs vs host (utterance 0): max |diff| = ${worst.toExponential(2)}`);
