// Entry point of a helper thread that runs the sentence model for a behavior thread, so the
// behavior thread stays free to see a cancel and two cores can embed at once.
import { parentPort } from 'node:worker_threads';
import { loadUseLiteModel } from '../../engine/vectors/use-lite/runtime';
import { EmbedReply, EmbedRequest } from './embedding-lanes';

const port = parentPort;
if (port === null) throw new Error('embedding-thread must run as a worker thread');
const model = loadUseLiteModel();
model.catch(() => undefined);

port.on('message', (request: EmbedRequest) => {
  void (async () => {
    let reply: EmbedReply;
    try {
      const vectors = await (await model).embedTokens(request.tokens);
      const d = vectors[0]?.length ?? 0;
      const data = new Float32Array(new ArrayBuffer(vectors.length * d * 4));
      vectors.forEach((v, i) => data.set(v, i * d));
      reply = { id: request.id, data, d };
    } catch (err) {
      reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply, 'data' in reply ? [reply.data.buffer as ArrayBuffer] : []);
  })();
});
