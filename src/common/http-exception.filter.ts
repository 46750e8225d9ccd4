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

const TOO_LARGE = 'The request body is larger than this service accepts (see MAX_BODY_SIZE)';
const NOT_JSON = 'Request bodies must be JSON (Content-Type: application/json)';

/**
 * The client-error status an error from the HTTP layer carries (Fastify's FST_ERR_*, a static
 * file refused, a body the client stopped sending), or null: such errors are the request's
 * fault and answered as such, never as a 500 with a stack trace in the logs.
 */
function clientStatus(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  const { statusCode, status, code, message } = err as {
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  // The client closed the connection before its body arrived: nobody reads the answer.
  if (code === 'ECONNRESET' || message === 'aborted') return 400;
  const given = typeof statusCode === 'number' ? statusCode : status;
  return typeof given === 'number' && given >= 400 && given < 500 ? given : null;
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
      .send({ ...errorBody(status, message), ...extras });
  }

  private describe(exception: unknown): [number, string, ErrorExtras] {
    if (exception instanceof DomainError)
      return [domainErrorStatus(exception), exception.message, exception.extras];
    // JSON.parse's own words, from the body parser (common/json-body.ts).
    if (exception instanceof SyntaxError)
      return [400, `The request body is not valid JSON: ${exception.message}`, {}];
    // Nest's exceptions, and Fastify's refusals (Nest hands those over as HttpExceptions too).
    const status =
      exception instanceof HttpException ? exception.getStatus() : clientStatus(exception);
    if (status === null) return this.unexpected(exception);
    // Only Fastify answers these two as HttpExceptions (ours are DomainErrors): in our words.
    if (status === 413) return [413, TOO_LARGE, {}];
    if (status === 415) return [415, NOT_JSON, {}];
    const message =
      exception instanceof HttpException
        ? httpExceptionMessage(exception.getResponse(), exception.message)
        : exception instanceof Error
          ? exception.message
          : errorPhrase(status);
    return [status, message, {}];
  }

  private unexpected(exception: unknown): [number, string, ErrorExtras] {
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

/** The one error shape: `{statusCode, error, message}` (extras, when any, go beside it). */
export function errorBody(
  status: number,
  message: string,
): { statusCode: number; error: string; message: string } {
  return { statusCode: status, error: errorPhrase(status), message };
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
