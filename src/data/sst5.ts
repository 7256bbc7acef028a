/**
 * SST-5 sentences (the seed's text experiment): `train.txt`, `dev.txt`, `test.txt`, one sentence
 * per line, PTB tokens separated by spaces, then ` ||| ` and the label 0–4. The vocabulary comes
 * from train only: id 0 is padding, 1 the unknown word, then train tokens seen at least `minCount`
 * times, by falling frequency (ties alphabetical), so ids are deterministic. Rarer train words
 * map to the unknown word, so its vector is trained on them and stands for the words dev and test
 * have that train lacks (with every train word in the vocabulary it would never be trained).
 * Sentences are cut or padded (at the end) to `maxLength`. `binary` drops label 2 and maps
 * 0/1 → 0 (negative), 3/4 → 1 (positive).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { readDataFile } from './read-file.js';
import type { Dataset, Split } from './types.js';

export const PAD = 0;
export const UNK = 1;

interface Sentence {
  tokens: string[];
  label: number;
}

export function parseSst(text: string, file: string): Sentence[] {
  const out: Sentence[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = line.lastIndexOf('|||');
    if (at < 0) throw new UserError(`${file}:${i + 1}: expected "<tokens> ||| <label 0-4>", found no "|||"`);
    const label = line.slice(at + 3).trim();
    if (!/^[0-4]$/.test(label)) throw new UserError(`${file}:${i + 1}: label must be a digit 0-4, got "${label}"`);
    const tokens = line.slice(0, at).trim().split(/\s+/).filter(Boolean);
    out.push({ tokens, label: Number(label) });
  });
  return out;
}

export function buildVocab(sentences: Sentence[], minCount = 1): Map<string, number> {
  const freq = new Map<string, number>();
  for (const s of sentences) for (const t of s.tokens) freq.set(t, (freq.get(t) ?? 0) + 1);
  const words = [...freq.entries()]
    .filter(([, n]) => n >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([w]) => w);
  return new Map(words.map((w, i) => [w, i + 2]));
}

function encode(sentences: Sentence[], vocab: Map<string, number>, maxLength: number): Split {
  const x = new Float32Array(sentences.length * maxLength); // PAD = 0 everywhere not written
  const y = new Int32Array(sentences.length);
  sentences.forEach((s, i) => {
    s.tokens.slice(0, maxLength).forEach((t, j) => {
      x[i * maxLength + j] = vocab.get(t) ?? UNK;
    });
    y[i] = s.label;
  });
  return { x, y, n: sentences.length };
}

export function loadSst5(dir: string, maxLength: number, binary: boolean, minCount = 2): Dataset {
  if (!existsSync(dir)) throw new UserError(`dataset "sst5:${dir}": folder ${dir} does not exist`);
  const read = (name: string) => {
    const f = join(dir, name);
    if (!existsSync(f)) throw new UserError(`dataset "sst5:${dir}": missing ${name} (an SST-5 folder holds train.txt, dev.txt and test.txt)`);
    const all = parseSst(readDataFile(f).toString('utf8'), f);
    const kept = binary ? all.filter((s) => s.label !== 2).map((s) => ({ ...s, label: s.label < 2 ? 0 : 1 })) : all;
    // an empty split would train on nothing (or test on nothing) and read as a diverged run
    if (kept.length === 0) {
      throw new UserError(
        `${f}: no sentences${binary && all.length > 0 ? ' left once the neutral ones (label 2) are dropped (dataset.binary)' : ''}; every split needs at least one`,
      );
    }
    return kept;
  };
  const [train, dev, test] = [read('train.txt'), read('dev.txt'), read('test.txt')];
  const vocab = buildVocab(train, minCount);
  return {
    name: `sst5:${dir}`,
    description: `SST-${binary ? '2 (binary)' : '5'} sentences from ${dir}: ${train.length} train / ${dev.length} dev / ${test.length} test, vocabulary ${vocab.size + 2} (train words seen ≥ ${minCount}× + padding + unknown), ${maxLength} tokens`,
    inputShape: [maxLength],
    numClasses: binary ? 2 : 5,
    train: encode(train, vocab, maxLength),
    dev: encode(dev, vocab, maxLength),
    test: encode(test, vocab, maxLength),
    vocabSize: vocab.size + 2,
  };
}
