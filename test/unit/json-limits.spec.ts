import { InvalidInputError, TooLargeError } from '../../src/common/errors';
import { checkJsonLimits, JsonLimits } from '../../src/common/json-limits';

const limits: JsonLimits = {
  maxDepth: 32,
  maxKeys: 200,
  maxArrayLength: 50,
  maxStringLength: 100,
  maxKeyLength: 20,
};

function failure(body: unknown): Error {
  try {
    checkJsonLimits(body, limits);
  } catch (err) {
    return err as Error;
  }
  throw new Error('accepted');
}

describe('checkJsonLimits', () => {
  it('accepts a body within every limit', () => {
    expect(() =>
      checkJsonLimits({ submissions: [{ name: 'a', responses: { p1: 'x' } }], n: 1 }, limits),
    ).not.toThrow();
  });

  it('refuses a body 100,000 levels deep at level 33, without recursion', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    const err = failure({ z: deep });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/^z(\.0){31} is nested deeper than 32 levels/);
  });

  it('names the field of too many keys, entries, too long a string or key', () => {
    const keys = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, 'a']));
    expect(failure({ s: [{ responses: keys }] })).toEqual(
      new TooLargeError('s.0.responses has 201 keys; an object may have at most 200'),
    );
    expect(failure({ submissions: new Array(51).fill(1) }).message).toBe(
      'submissions holds 51 entries; send at most 50 per request',
    );
    expect(failure({ a: [{ text: 'y'.repeat(101) }] }).message).toBe(
      'a.0.text is 101 characters long; the limit is 100',
    );
    expect(failure({ ['k'.repeat(21)]: 1 })).toBeInstanceOf(InvalidInputError);
  });

  it('refuses __proto__, constructor and prototype keys as they come from JSON.parse', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const body = JSON.parse(`{"a":{"${key}":{"polluted":true}}}`) as unknown;
      expect(failure(body).message).toBe(`a.${key}: ${key} is not allowed as a key`);
    }
  });
});
