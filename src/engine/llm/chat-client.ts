export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** A chat model. Behaviors only see this interface; tests pass a stub server's client. */
export interface ChatClient {
  readonly parallelism: number;
  complete(messages: ChatMessage[], signal: AbortSignal): Promise<string>;
}

export interface OpenAiChatSettings {
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  parallelism: number;
}

/** Any OpenAI-compatible `/chat/completions` endpoint; each call bounded by its own timeout. */
export class OpenAiChatClient implements ChatClient {
  readonly parallelism: number;

  constructor(private readonly settings: OpenAiChatSettings) {
    this.parallelism = settings.parallelism;
  }

  async complete(messages: ChatMessage[], signal: AbortSignal): Promise<string> {
    const res = await fetch(`${this.settings.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: this.settings.model,
        messages,
        temperature: 0.2,
        max_tokens: 300,
      }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
    });
    if (!res.ok) throw new Error(`chat endpoint answered ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new Error('chat endpoint returned no message');
    return content;
  }
}

/**
 * Reads `{"key": "..."}` out of a model's answer, tolerating a code fence around it. Returns
 * null when the answer is not that shape: the caller then keeps its own text.
 */
export function jsonField(answer: string, key: string): string | null {
  const text = answer
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const value = parsed?.[key];
    return typeof value === 'string' ? value.trim() : null;
  } catch {
    return null;
  }
}

/**
 * Maps items with at most `limit` calls in flight. Every item gets a result: `fn` failing for
 * one item yields `undefined` for it (the caller falls back), but a stop request ends it all.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal: AbortSignal,
): Promise<(R | undefined)[]> {
  const out = new Array<R | undefined>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      if (signal.aborted) return;
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch {
        out[i] = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
