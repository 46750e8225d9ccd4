import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from './errors';
import { CONTROL_CHARACTER, shownText } from './json-limits';

/** The ids this service hands out (`randomUUID()`): lower-case, canonical form. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && UUID.test(value);
}

/** The 404 of an unknown deployment; also the answer to anything that cannot be an id. */
export function deploymentNotFound(id: string): NotFoundError {
  return new NotFoundError(`Deployment ${shownText(id)} not found`);
}

export function taskNotFound(taskId: string, deploymentId: string): NotFoundError {
  return new NotFoundError(
    `Task ${shownText(taskId)} not found for deployment ${shownText(deploymentId)} (unknown id, another deployment's task, or expired)`,
  );
}

/**
 * `@Param('deploymentId', DeploymentIdPipe)`: anything but a UUID is an unknown deployment, and
 * is answered 404 before any Redis key is built from it (`{id}:subs` once named another key).
 */
@Injectable()
export class DeploymentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isId(value)) throw deploymentNotFound(String(value));
    return value;
  }
}

/** `@Param('taskId', TaskIdPipe)`: the same rule for task ids. */
@Injectable()
export class TaskIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isId(value)) {
      throw new NotFoundError(
        `Task ${shownText(String(value))} not found (unknown id, another deployment's task, or expired)`,
      );
    }
    return value;
  }
}

export const MAX_NAME_LENGTH = 320;

/** Student names, variable names, prompt ids: 1 to 320 characters, no control characters. */
export function isName(value: unknown, maxLength = MAX_NAME_LENGTH): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= maxLength &&
    !CONTROL_CHARACTER.test(value)
  );
}

/** `@Param('name', NameParamPipe)`: a 400 naming the parameter for anything that is no name. */
@Injectable()
export class NameParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: { data?: string }): string {
    if (!isName(value)) {
      const field = metadata.data ?? 'name';
      throw new InvalidInputError(
        `${field} must be 1 to ${MAX_NAME_LENGTH} characters without control characters`,
        [field],
      );
    }
    return value;
  }
}
