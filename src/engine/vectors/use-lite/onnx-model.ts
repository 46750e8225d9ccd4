import type { InferenceSession } from 'onnxruntime-node';
import {
  readModelFiles,
  USE_MAX_TOKENS,
  UseLiteModel,
  useTokenizer,
  weightLookup,
} from './model-files';
import { buildUseLiteOnnx } from './onnx-graph';

/**
 * Universal Sentence Encoder lite on ONNX Runtime's native CPU kernels (`onnxruntime-node`, whose
 * npm package ships the binaries). Its matrix products run about five times faster than TFJS's
 * WASM kernels on the same core (AVX2/AVX-512 against 128-bit WASM SIMD). A run is a synchronous
 * native call on the calling thread (the binding only defers it by a `setImmediate`), so the
 * service runs the model in helper processes (see embedding-process.ts). The graph is built in
 * memory from the TFJS model's weights (see `onnx-graph.ts`).
 */
export async function loadUseLiteOnnx(threads = 1): Promise<UseLiteModel> {
  // Loaded here, not at the top: the native module is needed only where vectors are computed.
  const ort = await import('onnxruntime-node');
  const [files, tokenizer] = await Promise.all([readModelFiles(), useTokenizer()]);
  const session: InferenceSession = await ort.InferenceSession.create(
    buildUseLiteOnnx(weightLookup(files)),
    {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    },
  );
  return {
    tokenizer,
    async embedTokens(tokens) {
      const rows = tokens.length;
      if (rows === 0) return [];
      let length = 1;
      for (const t of tokens) length = Math.max(length, Math.min(USE_MAX_TOKENS, t.length));
      const ids = new Int32Array(rows * length);
      const mask = new Float32Array(rows * length);
      tokens.forEach((t, row) => {
        const n = Math.min(USE_MAX_TOKENS, t.length);
        for (let j = 0; j < n; j++) {
          ids[row * length + j] = t[j];
          mask[row * length + j] = 1;
        }
      });
      const feeds = {
        ids: new ort.Tensor('int32', ids, [rows, length]),
        mask: new ort.Tensor('float32', mask, [rows, length]),
      };
      const out = (await session.run(feeds)).vectors;
      try {
        const data = out.data as Float32Array;
        const d = out.dims[1];
        if (out.dims[0] !== rows) throw new Error('the model returned too few vectors');
        return tokens.map((_, i) => data.slice(i * d, (i + 1) * d));
      } finally {
        out.dispose();
      }
    },
  };
}
