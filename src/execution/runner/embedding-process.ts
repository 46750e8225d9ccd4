// Entry point of a helper process that runs the sentence model for a runner thread, so the
// runner thread stays free to see a cancel and two cores can embed at once.
//
// A process, not a thread: ONNX Runtime aborts the whole process (std::terminate on a
// Napi::Error) when a thread is torn down while a run is in progress, and a runner thread, with
// any threads it started, is torn down when it is killed at its hard limit or when the service
// exits. A helper process is never killed: when the thread that started it goes, its IPC
// channel closes, and it finishes the batch in hand and leaves.
import { loadUseLiteModel } from '../../engine/vectors/use-lite/runtime';
import { EmbedReply, EmbedRequest } from './embedding-lanes';

if (process.send === undefined) throw new Error('embedding-process must be started with IPC');
process.title = 'behavior-runner-embedding';
const model = loadUseLiteModel();
model.catch(() => undefined);

function reply(message: EmbedReply): void {
  // The runner thread may be gone already: the answer has nobody to go to.
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

process.on('message', (request: EmbedRequest) => {
  void (async () => {
    try {
      const vectors = await (await model).embedTokens(request.tokens);
      const d = vectors[0]?.length ?? 0;
      const data = new Float32Array(vectors.length * d);
      vectors.forEach((v, i) => data.set(v, i * d));
      reply({ id: request.id, data, d });
    } catch (err) {
      reply({ id: request.id, error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
// Runs only between batches: a run is one synchronous native call.
process.on('disconnect', () => process.exit(0));
// Ctrl+C (and some service managers) signal the whole process group: the service then shuts
// down in order, and its runs may still need vectors during their grace period. A helper leaves
// when the service's side of its channel closes, whatever ended the service.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
