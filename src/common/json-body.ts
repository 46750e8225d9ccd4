import { IncomingHttpHeaders } from 'node:http';
import { FastifyBodyParser, FastifyInstance } from 'fastify';
import { UnsupportedMediaTypeError } from './errors';

/** application/json or any +json type: the bodies this service reads. */
export function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Whether a request carries a body at all (a length, even 0, or a chunked transfer). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || headers['content-length'] !== undefined;
}

/**
 * Why a request's body is refused before it is read, or null. Every body this service reads is
 * JSON: another type would otherwise reach a route as no body and be answered as missing fields.
 * Compressed bodies are refused too: inflating is CPU an attacker chooses, and no client sends
 * them. An empty body (`Content-Length: 0`, e.g. a bodiless POST of a cancel) is no body.
 */
function refusedBody(headers: IncomingHttpHeaders): UnsupportedMediaTypeError | null {
  if (!hasBody(headers) || headers['content-length'] === '0') return null;
  const type = headers['content-type'];
  if (type !== undefined && !isJson(type)) {
    return new UnsupportedMediaTypeError(
      `Request bodies must be JSON (Content-Type: application/json), not ${JSON.stringify(type.slice(0, 100))}`,
    );
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return new UnsupportedMediaTypeError(
      `Compressed request bodies are not accepted (Content-Encoding: ${JSON.stringify(encoding.slice(0, 40))}); send plain JSON`,
    );
  }
  return null;
}

/**
 * JSON is the only body Fastify reads here, parsed by JSON.parse as Express's parser did (a
 * `__proto__` key is then an own key, which JsonLimitsPipe names and refuses); the server's
 * `bodyLimit` bounds the bytes read. A refused body is answered before it is read.
 */
export function acceptJsonBodies(server: FastifyInstance): void {
  server.addHook('onRequest', (req, _reply, done) => {
    done(refusedBody(req.headers) ?? undefined);
  });
  server.removeAllContentTypeParsers();
  const parse: FastifyBodyParser<string | Buffer> = (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const first = text.trimStart().charAt(0);
    if (first === '') {
      done(null, {});
      return;
    }
    // Strict, as body-parser was: a body is an object or an array, never a bare null or 3.
    if (first !== '{' && first !== '[') {
      done(new SyntaxError('a JSON body must be an object or an array'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      // A SyntaxError, which Nest turns into a 400 the exception filter words.
      done(err as Error, undefined);
    }
  };
  server.addContentTypeParser('application/json', { parseAs: 'string' }, parse);
  // Fastify tests this against the whole header, parameters (`; charset=utf-8`) included.
  server.addContentTypeParser(
    /^application\/[a-z0-9.+-]+\+json\s*(;.*)?$/i,
    { parseAs: 'string' },
    parse,
  );
}
