import { createHash } from 'node:crypto';

/** Vectors already computed, by provider and text, so no text is embedded twice. */
export interface VectorCache {
  get(providerId: string, texts: readonly string[]): Promise<(Float32Array | null)[]>;
  set(
    providerId: string,
    texts: readonly string[],
    vectors: readonly Float32Array[],
  ): Promise<void>;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
