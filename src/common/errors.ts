/**
 * Domain errors. Services throw these; one exception filter turns them into HTTP answers, so
 * every error body has the same shape and no service knows about status codes.
 */
export type ErrorExtras = Record<string, string | number | boolean | string[] | null>;

export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  constructor(
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly statusCode = 404;
}

export class ConflictError extends DomainError {
  readonly statusCode = 409;
}

export class InvalidInputError extends DomainError {
  readonly statusCode = 400;
  constructor(message: string, fields: string[]) {
    super(message, { fields });
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly statusCode = 413;
}

export class ServiceUnavailableError extends DomainError {
  readonly statusCode = 503;
}

/** A synchronous run that did not succeed: the status depends on why (see behaviors). */
export class RunFailedError extends DomainError {
  constructor(
    readonly statusCode: number,
    message: string,
    extras: ErrorExtras,
  ) {
    super(message, { success: false, ...extras });
  }
}
