import { request } from 'node:http';
import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { Server } from 'node:http';

export interface SseEvent {
  id: string | null;
  type: string;
  data: string;
  /** When it arrived, for ordering against other observations. */
  at: number;
}

export interface SseResult {
  status: number;
  contentType: string;
  events: SseEvent[];
  comments: string[];
  /** The raw body, for failure messages and for non-stream answers (a JSON error). */
  body: string;
  /** The server ended the response (not our timeout). */
  ended: boolean;
}

/** Listens on a free loopback port and answers the base URL. */
export async function listenOnLoopback(app: INestApplication): Promise<string> {
  const server = app.getHttpServer() as Server;
  if (!server.listening)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Reads a Server-Sent Events response with Node's plain HTTP client, parsing as it arrives
 * (events end at a blank line; lines starting with ':' are comments), until the server ends it
 * or `timeoutMs` passes (then the request is aborted and `ended` is false).
 */
export function readSse(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
  onEvent: (e: SseEvent) => void = () => undefined,
): Promise<SseResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const result: SseResult = {
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        events: [],
        comments: [],
        body: '',
        ended: false,
      };
      let pending = '';
      let current: { id: string | null; type: string; data: string[] } = {
        id: null,
        type: 'message',
        data: [],
      };
      const timer = setTimeout(() => {
        req.destroy();
        resolve(result);
      }, timeoutMs);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        result.body += chunk;
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          if (line === '') {
            if (current.data.length > 0) {
              const event = { ...current, data: current.data.join('\n'), at: Date.now() };
              result.events.push(event);
              onEvent(event);
            }
            current = { id: null, type: 'message', data: [] };
          } else if (line.startsWith(':')) {
            result.comments.push(line.slice(1).trim());
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') current.data.push(value);
            else if (field === 'id') current.id = value;
            else if (field === 'event') current.type = value;
          }
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        result.ended = true;
        resolve(result);
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', reject);
    req.end();
  });
}
