import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
} from '@nestjs/common';
import { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { REDIS, isRedisUnavailable } from '../redis/redis.module';
import {
  ConflictError,
  DomainError,
  ErrorExtras,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RunFailedError,
  RunFailureReason,
  RateLimitedError,
  ServiceUnavailableError,
  TooLargeError,
  UnauthorizedError,
  UnsafeRequestError,
  UnsupportedMediaTypeError,
} from './errors';

/** HTTP status of a synchronous run that failed, by why it failed. */
const RUN_FAILURE_STATUS: Record<RunFailureReason, number> = {
  input: 422,
  soft_timeout: 504,
  hard_timeout: 504,
  cancelled: 409,
  not_started: 409,
  crashed: 500,
  interrupted: 503,
};

/** The one place that chooses a status code for a domain error. */
export function domainErrorStatus(error: DomainError): number {
  if (error instanceof RunFailedError) return RUN_FAILURE_STATUS[error.reason];
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof TooLargeError) return 413;
  if (error instanceof UnsafeRequestError) return 415;
  if (error instanceof RateLimitedError) return 429;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  if (error instanceof ServiceUnavailableError) return 503;
  return 500;
}

/** What Fastify raises for a request it refuses before a route runs (FST_ERR_*). */
interface ServerError {
  code: string;
  statusCode: number;
  message: string;
}

function isServerError(err: unknown): err is ServerError {
  if (typeof err !== 'object' || err === null) return false;
  const { code, statusCode } = err as Partial<ServerError>;
  return typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number';
}

/** Turns every error into `{statusCode, error, message, ...}`; nothing leaves as a bare 500. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, message, extras] = this.describe(exception);
    if (status >= 500 && status !== 503 && status !== 504) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    void reply
      .headers(errorHeaders(exception))
      .code(status)
      .send({ statusCode: status, error: errorPhrase(status), message, ...extras });
  }

  private describe(exception: unknown): [number, string, ErrorExtras] {
    if (exception instanceof DomainError)
      return [domainErrorStatus(exception), exception.message, exception.extras];
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message = httpExceptionMessage(body, exception.message);
      // Nest turns JSON.parse's SyntaxError into a bare 400 carrying only the parser's words.
      if (
        exception.getStatus() === 400 &&
        /JSON/.test(message) &&
        !/ must | should /.test(message)
      ) {
        return [400, `The request body is not valid JSON: ${message}`, {}];
      }
      return [exception.getStatus(), message, {}];
    }
    // JSON.parse's own words, from the body parser (common/json-body.ts).
    if (exception instanceof SyntaxError)
      return [400, `The request body is not valid JSON: ${exception.message}`, {}];
    if (isServerError(exception)) {
      if (exception.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return [
          413,
          'The request body is larger than this service accepts (see MAX_BODY_SIZE)',
          {},
        ];
      }
      if (exception.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return [415, 'Request bodies must be JSON (Content-Type: application/json)', {}];
      }
      const status = exception.statusCode;
      return [status >= 400 && status < 500 ? status : 400, exception.message, {}];
    }
    if (isRedisUnavailable(exception, this.redis)) {
      return [503, 'The task store (Redis) is not reachable right now; retry in a few seconds', {}];
    }
    return [500, 'Internal server error', {}];
  }
}

/** The headers some errors need: the bearer challenge of a 401, the wait of a 429. */
function errorHeaders(exception: unknown): Record<string, string> {
  if (exception instanceof UnauthorizedError) {
    return {
      'WWW-Authenticate': exception.invalidToken ? 'Bearer error="invalid_token"' : 'Bearer',
    };
  }
  if (exception instanceof RateLimitedError)
    return { 'Retry-After': String(exception.retryAfterSeconds) };
  return {};
}

/** The reason phrase of a status code, e.g. `Payload Too Large`. */
export function errorPhrase(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** Nest bodies carry a string or, from validation, a list of strings. */
function httpExceptionMessage(body: string | object, fallback: string): string {
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : fallback;
}
