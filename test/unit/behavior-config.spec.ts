import { parseBehaviorDefinitions } from '../../src/deployments/behavior-config.validation';
import { InvalidInputError } from '../../src/common/errors';
import { registerBehaviors } from '../../src/engine/catalog';
import { behaviors as testBehaviors } from '../support/test-sleep.behavior';

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error('expected an InvalidInputError');
}

describe('parseBehaviorDefinitions', () => {
  it('fills every default of the old system in', () => {
    const parsed = parseBehaviorDefinitions({
      '1': { type: 'group_assignment' },
      '2': { type: 'theme_creator' },
    });
    expect(parsed['1']).toEqual({
      type: 'group_assignment',
      config: {
        group_size: 4,
        group_size_mode: 'students_per_group',
        grouping_method: 'mixed',
        include_explanations: true,
        label: 'Group Assignment',
        selected_submission_prompts: [],
      },
    });
    expect(parsed['2'].config).toEqual({
      num_themes: null,
      label: 'Theme Creator',
      selected_submission_prompts: [],
      use_llm_polish: true,
      llm_polish_prompt: '',
    });
  });

  it('stores the old type names as the new ones', () => {
    const parsed = parseBehaviorDefinitions({
      '1': { type: 'group' },
      '2': { type: 'themeCreator' },
    });
    expect(parsed['1'].type).toBe('group_assignment');
    expect(parsed['2'].type).toBe('theme_creator');
  });

  it('names the field of a bad config value', () => {
    const err = errorOf(() =>
      parseBehaviorDefinitions({
        '3': { type: 'group_assignment', config: { group_size: 'four' } },
      }),
    );
    expect(err.extras.fields).toEqual(['behaviors.3.config.group_size']);
    expect(err.message).toContain('behaviors.3.config.group_size');
  });

  it('rejects unknown config keys, unknown types and bad numbers', () => {
    expect(
      errorOf(() =>
        parseBehaviorDefinitions({ '1': { type: 'theme_creator', config: { themes: 3 } } }),
      ).extras.fields,
    ).toEqual(['behaviors.1.config.themes']);
    expect(
      errorOf(() => parseBehaviorDefinitions({ '1': { type: 'quiz' } })).extras.fields,
    ).toEqual(['behaviors.1.type']);
    expect(errorOf(() => parseBehaviorDefinitions({ x: { type: 'group' } })).extras.fields).toEqual(
      ['behaviors.x'],
    );
    expect(
      errorOf(() =>
        parseBehaviorDefinitions({ '1': { type: 'theme_creator', config: { num_themes: 21 } } }),
      ).extras.fields,
    ).toEqual(['behaviors.1.config.num_themes']);
  });

  it('needs groups of at least two in students_per_group mode, but allows one group in number_of_groups mode', () => {
    expect(
      errorOf(() => parseBehaviorDefinitions({ '1': { type: 'group', config: { group_size: 1 } } }))
        .extras.fields,
    ).toEqual(['behaviors.1.config.group_size']);
    const ok = parseBehaviorDefinitions({
      '1': { type: 'group', config: { group_size: 1, group_size_mode: 'number_of_groups' } },
    });
    expect(ok['1'].config).toMatchObject({ group_size: 1, group_size_mode: 'number_of_groups' });
  });

  it('knows a behavior type registered at start-up, and lets it check its own config', () => {
    expect(
      errorOf(() => parseBehaviorDefinitions({ '1': { type: 'test_sleep' } })).extras.fields,
    ).toEqual(['behaviors.1.type']);
    registerBehaviors(testBehaviors);
    expect(parseBehaviorDefinitions({ '1': { type: 'test_sleep' } })['1']).toEqual({
      type: 'test_sleep',
      config: { duration_ms: 1000, honour_signal: true, fail_with: null, label: 'Test Sleep' },
    });
    const bad = errorOf(() =>
      parseBehaviorDefinitions({ '1': { type: 'test_sleep', config: { duration_ms: -1 } } }),
    );
    expect(bad.extras.fields).toEqual(['behaviors.1.config']);
    expect(bad.message).toContain('duration_ms');
  });
});
