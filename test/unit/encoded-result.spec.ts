import { encodeResult, spliceJson } from '../../src/execution/runner/encoded-result';

describe('encodeResult', () => {
  it('serializes the output as JSON and keeps the groups apart for the output variable', () => {
    const output = {
      groups: { Group1: ['Ann', 'Bo'], Group2: ['Cy'] },
      explanations: { Group1: 'Both wrote about rivers' },
      metadata: { total_students: 3, label: null },
    };
    const encoded = encodeResult(output, 'group');
    expect(JSON.parse(encoded.json)).toEqual(output);
    expect(JSON.parse(encoded.variable ?? 'null')).toEqual(output.groups);
    expect(encoded).toMatchObject({ groups: 2, themes: null });
  });

  it('keeps the themes for a theme behavior and counts them', () => {
    const themes = [{ title: 'Water', keywords: ['river'] }, { title: 'Sky' }];
    const encoded = encodeResult({ themes, metadata: {} }, 'theme');
    expect(JSON.parse(encoded.variable ?? 'null')).toEqual(themes);
    expect(encoded).toMatchObject({ groups: null, themes: 2 });
  });

  it('has no variable when the behavior keeps none or its output lacks the part', () => {
    expect(encodeResult({ groups: { G: [] } }, null).variable).toBeNull();
    expect(encodeResult({ groups: ['not', 'a', 'record'] }, 'group').variable).toBeNull();
    expect(encodeResult({ themes: {} }, 'theme').variable).toBeNull();
  });

  it('drops the fields the service sets and those JSON leaves out, as JSON.stringify would', () => {
    const output = {
      success: false,
      behavior_type: 'something_else',
      task_id: 'x',
      execution_time: '1',
      executed_at: 'now',
      kept: 1,
      gone: undefined,
      fn: () => 1,
      when: new Date(0),
    };
    expect(JSON.parse(encodeResult(output, null).json)).toEqual({
      kept: 1,
      when: '1970-01-01T00:00:00.000Z',
    });
  });

  it('gives an empty object for an output that is not an object', () => {
    expect(encodeResult(null, null).json).toBe('{}');
    expect(encodeResult([1, 2], 'group').json).toBe('{}');
  });
});

describe('spliceJson', () => {
  it('puts the head fields first and the tail fields last, in order', () => {
    const json = spliceJson({ success: true }, '{"groups":{"G":["a"]},"n":2}', {
      behavior_type: 'group_assignment',
      task_id: 't',
    });
    expect(Object.keys(JSON.parse(json) as object)).toEqual([
      'success',
      'groups',
      'n',
      'behavior_type',
      'task_id',
    ]);
    expect(JSON.parse(json)).toEqual({
      success: true,
      groups: { G: ['a'] },
      n: 2,
      behavior_type: 'group_assignment',
      task_id: 't',
    });
  });

  it('splices an empty object and empty ends without stray commas', () => {
    expect(spliceJson({ a: 1 }, '{}', { b: 'x"y' })).toBe('{"a":1,"b":"x\\"y"}');
    expect(spliceJson({}, '{"v":[]}', {})).toBe('{"v":[]}');
    expect(spliceJson({}, '{}', {})).toBe('{}');
  });
});
