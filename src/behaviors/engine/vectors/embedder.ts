import { AnalyzedText } from '../text/analyze';
import { lexicalVectors, LEXICAL_DIMENSION } from './lexical';
import { Matrix } from './matrix';

/** Unit-length vectors for a batch of answers, and where they came from. */
export interface VectorResult {
  matrix: Matrix;
  /** Provider id, e.g. `lexical-hash-512`. */
  provider: string;
  /** Set when the configured provider failed and the lexical one stood in: why. */
  fallback: string | null;
}

/** Turns answers into vectors; behaviors get one through their context. */
export type Embedder = (
  texts: readonly string[],
  analyses: readonly AnalyzedText[],
  signal: AbortSignal,
  checkpoint: () => void,
) => Promise<VectorResult>;

export const LEXICAL_PROVIDER_ID = `lexical-hash-${LEXICAL_DIMENSION}`;

export const lexicalEmbedder: Embedder = (_texts, analyses, _signal, checkpoint) =>
  Promise.resolve({
    matrix: lexicalVectors(
      analyses.map((a) => a.terms),
      checkpoint,
    ),
    provider: LEXICAL_PROVIDER_ID,
    fallback: null,
  });
