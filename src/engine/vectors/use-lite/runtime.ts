import type { UseLiteModel } from './model-files';
import { loadUseLiteOnnx } from './onnx-model';

let localModel: Promise<UseLiteModel> | null = null;
let nativeFailure: string | null = null;

/**
 * The model, once per thread: on ONNX Runtime, or on TFJS WASM where ONNX Runtime's native module
 * cannot load (a platform its npm package has no binary for). Both give the same vectors. The
 * native module and TFJS are loaded on first use; a fallback is announced once per thread as a
 * process warning on stderr, since vectors then cost five to eight times as much.
 */
export function loadUseLiteModel(): Promise<UseLiteModel> {
  if (localModel === null) {
    localModel = loadUseLiteOnnx().catch(async (err: unknown) => {
      nativeFailure = err instanceof Error ? err.message : String(err);
      process.emitWarning(
        `The sentence model runs on TFJS WASM, not ONNX Runtime: ${nativeFailure}`,
        'EmbeddingRuntimeWarning',
      );
      return (await import('./model')).loadUseLite();
    });
    localModel.catch(() => (localModel = null));
  }
  return localModel;
}

let wasmModel: Promise<UseLiteModel> | null = null;

/**
 * The model on TFJS WASM only, once per thread: for a thread that may be killed in the middle of
 * a batch, where ONNX Runtime would abort the whole process (see embedding-process.ts).
 */
export function loadUseLiteWasm(): Promise<UseLiteModel> {
  if (wasmModel === null) {
    wasmModel = import('./model').then((m) => m.loadUseLite());
    wasmModel.catch(() => (wasmModel = null));
  }
  return wasmModel;
}

/** Why this thread computes vectors on TFJS WASM instead of ONNX Runtime, if it does. */
export function nativeRuntimeFailure(): string | null {
  return nativeFailure;
}
