import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export type StubMode = 'ok' | 'bad-json' | 'timeout' | 'error' | 'alternate';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
}

/**
 * An OpenAI-compatible server on loopback for tests: `/chat/completions` answers explanations
 * and titles in the requested JSON, or misbehaves as told; `/embeddings` returns small
 * deterministic vectors. It records what it was sent and how many calls ran at once.
 */
export class LlmStub {
  mode: StubMode = 'ok';
  embeddingsMode: 'ok' | 'error' | 'short' = 'ok';
  readonly chatRequests: ChatRequest[] = [];
  readonly embeddingRequests: {
    body: { model: string; input: string[]; encoding_format?: string };
    auth?: string;
  }[] = [];
  maxConcurrent = 0;
  private inFlight = 0;
  private calls = 0;
  private server: Server | null = null;
  private readonly hanging = new Set<ServerResponse>();
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = JSON.parse(raw) as Record<string, unknown>;
    if (req.url === '/v1/embeddings') return this.embeddings(body, req, res);
    this.chatRequests.push(body as unknown as ChatRequest);
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    const done = () => this.inFlight--;
    res.on('close', done);
    const call = this.calls++;
    await new Promise((r) => setTimeout(r, 20)); // long enough for calls to overlap
    const mode = this.mode === 'alternate' ? (call % 2 === 0 ? 'ok' : 'bad-json') : this.mode;
    if (mode === 'timeout') {
      this.hanging.add(res);
      return;
    }
    if (mode === 'error') {
      res.writeHead(500).end('{"error": "boom"}');
      return;
    }
    const system = (body as unknown as ChatRequest).messages[0].content;
    const content =
      mode === 'bad-json'
        ? 'Sure! These students like things.'
        : system.includes('"title"')
          ? JSON.stringify({ title: 'Stub Theme Title' })
          : JSON.stringify({
              explanation:
                'These students both discuss stub topics. They would learn from each other.',
            });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  }

  private embeddings(
    body: Record<string, unknown>,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const input = body.input as string[];
    this.embeddingRequests.push({ body: body as never, auth: req.headers.authorization });
    if (this.embeddingsMode === 'error') {
      res.writeHead(503).end('{}');
      return;
    }
    const count = this.embeddingsMode === 'short' ? input.length - 1 : input.length;
    // 8 dimensions: letter-frequency buckets, enough to tell texts apart deterministically.
    const data = input.slice(0, count).map((text, index) => {
      const v = new Array<number>(8).fill(0);
      for (const ch of text.toLowerCase()) v[ch.charCodeAt(0) % 8] += 1;
      return { index, embedding: v };
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
  }
}
