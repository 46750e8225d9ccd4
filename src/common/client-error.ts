import { Duplex } from 'node:stream';
import { errorBody, errorPhrase } from './http-exception.filter';

/** Why Node's HTTP parser refused a request, before any route or filter could see it. */
const PARSER_ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'The request line and headers are larger than this service accepts (16 KB); ids and names are far shorter',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in time'],
};

/**
 * `server.on('clientError', answerClientError)`: Node answers a request its parser refuses (an
 * oversized URL, a malformed request line) with a bare status line. This answers in the one error
 * shape instead; the status follows Node's own choice, as the exception filter cannot be reached.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = PARSER_ANSWERS[err.code ?? ''] ?? [
    400,
    'The request is not valid HTTP',
  ];
  const body = JSON.stringify(errorBody(status, message));
  socket.end(
    `HTTP/1.1 ${status} ${errorPhrase(status)}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
