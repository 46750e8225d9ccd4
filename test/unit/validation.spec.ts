import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { TriggerBehaviorDto } from '../../src/behaviors/dto/trigger-behavior.dto';
import { PutSubmissionsDto } from '../../src/deployments/dto/submission.dto';
import {
  createValidationPipe,
  describeValidationErrors,
  invalidInput,
} from '../../src/common/validation';

function unknownField(property: string): ValidationError {
  const e = new ValidationError();
  e.property = property;
  e.constraints = { whitelistValidation: `property ${property} should not exist` };
  return e;
}

describe('validation error formatter', () => {
  it('names the full path of a nested bad field', () => {
    const child = new ValidationError();
    child.property = 'group_size';
    child.constraints = { min: 'group_size must not be less than 2' };
    const parent = new ValidationError();
    parent.property = 'config';
    parent.children = [child];
    expect(describeValidationErrors([parent])).toEqual([
      { field: 'config.group_size', text: 'config.group_size must not be less than 2' },
    ]);
  });

  it('treats regular-expression syntax in field names as plain text, in linear time', () => {
    // These names once went into `new RegExp(...)`: the first backtracked for seconds, the
    // others threw (a 500). Now each must come back verbatim, at once.
    const names = ['(.*)*\u0000a(.*)*(.*)*(.*)*b', '(', '[', '\\'];
    const started = process.hrtime.bigint();
    for (const name of names) {
      const err = invalidInput([unknownField(name)]);
      expect(err.message).toBe(`${name} should not exist`);
      expect(err.extras.fields).toEqual([name]);
    }
    // A catastrophic pattern takes seconds here; a prefix comparison takes microseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });

  it('leaves messages that do not start with the property name as they are', () => {
    const e = new ValidationError();
    e.property = 'title';
    e.constraints = { custom: 'a title is required' };
    expect(describeValidationErrors([e])[0].text).toBe('a title is required');
  });
});

type Dto = new () => object;

/**
 * One test per body: the pipe (quick check first) accepts exactly what class-validator alone
 * accepts, and hands on the same value, compared as JSON (an instance of the DTO either way).
 */
function itAgreesWithClassValidator(metatype: Dto, bodies: unknown[]): void {
  const pipe = createValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype };
  const settle = (p: Promise<unknown>) =>
    p.then(
      (out: unknown) => out,
      () => null,
    );
  // Each body is built afresh for each path: class-transformer may change what it is given.
  it.each(bodies.map((b, i) => [JSON.stringify(b) ?? String(b), i]))(
    'never accepts what class-validator refuses, and hands on what it would: %s',
    async (_, i) => {
      const fresh = (): unknown => structuredClone(bodies[i]);
      /** What class-validator alone makes of a body (the quick check bypassed). */
      const full = await settle(ValidationPipe.prototype.transform.call(pipe, fresh(), meta));
      const quick = await settle(pipe.transform(fresh(), meta));
      if (full === null) expect(quick).toBeNull();
      else {
        expect(quick).toBeInstanceOf(metatype);
        expect(JSON.parse(JSON.stringify(quick))).toEqual(JSON.parse(JSON.stringify(full)));
      }
    },
  );
}

describe('the quick check of trigger bodies', () => {
  const pipe = createValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype: TriggerBehaviorDto };
  const bodies: unknown[] = [
    { behavior_number: '1' },
    { behavior_number: '9999' },
    { behavior_number: '1', async_execution: true },
    { behavior_number: '2', async_execution: false },
    { behavior_number: '1', async_execution: null },
    { behavior_number: '0' },
    { behavior_number: '10000' },
    { behavior_number: '01' },
    { behavior_number: ' 1' },
    { behavior_number: '1\n' },
    { behavior_number: 1 },
    { behavior_number: ['1'] },
    { behavior_number: '1', async_execution: 'true' },
    { behavior_number: '1', async_execution: 1 },
    { behavior_number: '1', extra: true },
    { behavior_number: '1', __proto__: { x: 1 } },
    JSON.parse('{"behavior_number":"1","__proto__":{"async_execution":true}}'),
    { async_execution: true },
    {},
    [],
    null,
    '1',
  ];

  it('takes the quick path for the usual bodies, and class-validator for the rest', async () => {
    const full = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      await pipe.transform({ behavior_number: '12', async_execution: true }, meta);
      expect(full).not.toHaveBeenCalled();
      await expect(pipe.transform({ behavior_number: '1', x: 1 }, meta)).rejects.toThrow(
        'x should not exist',
      );
      expect(full).toHaveBeenCalledTimes(1);
    } finally {
      full.mockRestore();
    }
  });

  itAgreesWithClassValidator(TriggerBehaviorDto, bodies);
});

describe('the quick check of submission uploads', () => {
  const pipe = createValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype: PutSubmissionsDto };
  const one = (entry: unknown) => ({ submissions: [entry] });
  const ok = { name: 'ana@school.edu', text: 'Solar panels' };

  const bodies: unknown[] = [
    { submissions: [] },
    one(ok),
    one({ ...ok, responses: { 'prompt-1': 'Solar', 'prompt-2': 'Cheap' } }),
    one({ ...ok, responses: {} }),
    { submissions: [ok, { name: 'bo@school.edu', text: '' }] },
    one({ ...ok, name: 'x'.repeat(320) }),
    one({ ...ok, name: 'x'.repeat(321) }),
    one({ ...ok, name: '' }),
    one({ ...ok, name: 'ana\u0000@school.edu' }),
    one({ ...ok, name: 'ana\u0085@school.edu' }),
    one({ ...ok, name: 'ana\u007f' }),
    // Length counts a surrogate pair, or a character and its variation selector, as one.
    one({ ...ok, name: '\u{1F600}'.repeat(160) }),
    one({ ...ok, name: '\u{1F600}'.repeat(161) }),
    one({ ...ok, name: 'x'.repeat(319) + '\u{1F600}' }),
    one({ ...ok, name: 'a\ufe0f'.repeat(170) }),
    one({ ...ok, name: '\ufe0f' }),
    one({ ...ok, name: '\ufe0f\ufe0e' }),
    one({ ...ok, name: '\u{1F600}\ufe0f' }),
    one({ ...ok, name: '\u{1F600}\ufe0f'.repeat(106) + 'ab' }),
    one({ ...ok, name: '\udc00\ud800' }),
    one({ ...ok, name: '\ud800' }),
    one({ ...ok, name: 7 }),
    one({ ...ok, name: undefined }),
    one({ ...ok, text: 3 }),
    one({ name: 'ana@school.edu' }),
    one({ ...ok, responses: null }),
    one({ ...ok, responses: [] }),
    one({ ...ok, responses: 'answers' }),
    // Prompt ids that name what every object inherits: class-transformer leaves them out.
    one({ ...ok, responses: { toString: 'x', p: 'y' } }),
    one({ ...ok, responses: { valueOf: 1 } }),
    one({ ...ok, responses: { hasOwnProperty: 'x', __defineGetter__: 'y' } }),
    one({ ...ok, extra: 1 }),
    one(null),
    one('ana'),
    one([ok]),
    { submissions: ok },
    { submissions: [ok], extra: true },
    {},
    [],
  ];

  it('takes the quick path for a usual upload', async () => {
    const full = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      const body = { submissions: [ok, { ...ok, name: 'bo@school.edu', responses: { p: 'a' } }] };
      expect(await pipe.transform(body, meta)).toBeInstanceOf(PutSubmissionsDto);
      expect(full).not.toHaveBeenCalled();
      await expect(pipe.transform(one({ ...ok, name: '' }), meta)).rejects.toThrow(
        'submissions.0.name must be longer than or equal to 1 characters',
      );
      expect(full).toHaveBeenCalledTimes(1);
    } finally {
      full.mockRestore();
    }
  });

  itAgreesWithClassValidator(PutSubmissionsDto, bodies);
});
