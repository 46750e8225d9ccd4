import { NextFunction, Request, Response } from 'express';
import { UnsupportedMediaTypeError } from './errors';

/** The media types read as JSON; anything else that carries a body is refused. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Every body this service reads is JSON. A form-encoded (or any other) body would otherwise reach
 * the routes as no body at all and be answered as missing fields; it is a 415 instead. Requests
 * without a body are untouched.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const type = req.headers['content-type'];
  // An empty body (`Content-Length: 0`, e.g. a bodiless POST of a cancel) is no body.
  const empty = req.headers['content-length'] === '0';
  // `req.is` is null without a body, false for another type, the matching type otherwise. An
  // untyped body is not read at all, so it is left to the route (a missing body is a 400).
  if (type !== undefined && !empty && req.is(JSON_TYPES) === false) {
    next(
      new UnsupportedMediaTypeError(
        `Request bodies must be JSON (Content-Type: application/json), not ${JSON.stringify(type.slice(0, 100))}`,
      ),
    );
    return;
  }
  next();
}
