import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { TriggerBehaviorDto } from '../../src/behaviors/dto/trigger-behavior.dto';
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

describe('the quick check of trigger bodies', () => {
  const pipe = createValidationPipe();
  const meta: ArgumentMetadata = { type: 'body', metatype: TriggerBehaviorDto };
  /** What class-validator alone says of a body (the quick check bypassed). */
  const fullCheck = (body: unknown) =>
    ValidationPipe.prototype.transform.call(pipe, body, meta).then(
      () => true,
      () => false,
    );

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

  it.each(bodies.map((b) => [JSON.stringify(b) ?? String(b), b]))(
    'never accepts what class-validator refuses, and lets the rest through: %s',
    async (_, body) => {
      const full = await fullCheck(body);
      const quick: unknown = await pipe.transform(body, meta).then(
        (out: unknown) => out,
        () => null,
      );
      if (!full) expect(quick).toBeNull();
      else {
        expect(quick).toBeInstanceOf(TriggerBehaviorDto);
        expect(quick).toMatchObject(body as object);
      }
    },
  );
});
