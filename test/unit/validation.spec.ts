import { ValidationError } from 'class-validator';
import { describeValidationErrors, invalidInput } from '../../src/common/validation';

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
