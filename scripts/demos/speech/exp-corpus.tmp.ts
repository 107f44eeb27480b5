import { writeAccentCorpus, DEMO_ACCENTS } from './accent-corpus.js';
const [dir, which] = process.argv.slice(2);
const t = performance.now();
const zero = { train: 0, dev: 0, test: 2 };
const counts = await writeAccentCorpus(dir!, which === 'source' ? {
  accents: DEMO_ACCENTS.slice(0, 1), speakers: { train: 36, dev: 2, test: 0 }, clipsPerSpeaker: 12, noiseSnrDb: [15, 35], seed: 11,
} : {
  accents: DEMO_ACCENTS, speakers: { train: 0, dev: 0, test: 2 }, clipsPerSpeaker: 12, noiseSnrDb: [15, 35], seed: 12,
});
console.log(JSON.stringify(counts), (performance.now() - t) / 1000);
