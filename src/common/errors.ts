import { BehaviorFailureKind } from '../engine/errors';

/**
 * Domain errors. Services throw these; one exception filter turns them into HTTP answers (it
 * alone knows status codes), so every error body has the same shape.
 */
export type ErrorExtras = Record<string, string | number | boolean | string[] | null>;

export abstract class DomainError extends Error {
  constructor(
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * No bearer token, or one that does not verify. `invalidToken` says a token was sent but refused,
 * so the answer's `WWW-Authenticate` carries `error="invalid_token"` (RFC 6750).
 */
export class UnauthorizedError extends DomainError {
  constructor(
    message: string,
    readonly invalidToken: boolean,
  ) {
    super(message);
  }
}

/** The caller is known but their role may not do this (never used to hide a resource: 404). */
export class ForbiddenError extends DomainError {}

/**
 * A state change a browser could send cross-site without a preflight: no JSON body and no
 * Authorization header.
 */
export class UnsafeRequestError extends DomainError {}

/** Too many requests from one subject or address; retry after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Unknown id, or one the caller may not see. */
export class NotFoundError extends DomainError {}

/** The request clashes with the current state (a run in progress, a finished task). */
export class ConflictError extends DomainError {}

export class InvalidInputError extends DomainError {
  constructor(message: string, fields: string[]) {
    super(message, { fields });
  }
}

/** More data than this service accepts in one request or one deployment. */
export class TooLargeError extends DomainError {}

/** A body in a form this service does not read (not JSON, or compressed). */
export class UnsupportedMediaTypeError extends DomainError {}

export class ServiceUnavailableError extends DomainError {}

/** Why a synchronous run did not produce a result. */
export type RunFailureReason = BehaviorFailureKind | 'not_started';

/** A synchronous run that did not succeed; `reason` decides the answer. */
export class RunFailedError extends DomainError {
  constructor(
    readonly reason: RunFailureReason,
    message: string,
    extras: ErrorExtras,
  ) {
    super(message, { success: false, ...extras });
  }
}
