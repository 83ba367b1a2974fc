import { describe, expect, it } from 'vitest';
import { selectorMatches, requirementsOf, matchesMapSelector, isEmptySelector, type LabelSelector } from '../../../src/labels/label-selector.js';
import { LabelSelectorError, parseLabelSelector, splitTopLevel } from '../../../src/labels/parse.js';
import { matchesLabels } from '../../../src/labels/requirement.js';

const labels = { app: 'web', tier: 'front', n: '5' };

describe('parseLabelSelector', () => {
  it.each([
    ['app=web', [{ key: 'app', op: 'in', values: ['web'] }]],
    ['app!=web', [{ key: 'app', op: 'notin', values: ['web'] }]],
    ['!canary', [{ key: 'canary', op: 'notexists' }]],
    ['tier', [{ key: 'tier', op: 'exists' }]],
    ['n>3', [{ key: 'n', op: 'gt', value: 3 }]],
    ['a in (x, y),b notin (z)', [{ key: 'a', op: 'in', values: ['x', 'y'] }, { key: 'b', op: 'notin', values: ['z'] }]],
    ['', []],
  ])('%j', (sel, want) => {
    expect(parseLabelSelector(sel)).toEqual(want);
  });

  it.each(['app in web', '=web', 'app in ()', 'a b c'])('rejects %j with a LabelSelectorError (E_LABEL_SELECTOR)', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(LabelSelectorError);
    try {
      parseLabelSelector(sel);
    } catch (err) {
      expect((err as LabelSelectorError).code).toBe('E_LABEL_SELECTOR');
    }
  });

  it('splits on top-level commas only', () => {
    expect(splitTopLevel('a in (x,y), b ,,c')).toEqual(['a in (x,y)', 'b', 'c']);
  });
});

describe('one rule set for every form', () => {
  // The string form, the structured form and the map form of the same selector agree.
  it.each<[string, LabelSelector]>([
    ['app=web', { matchLabels: { app: 'web' } }],
    ['app=db', { matchLabels: { app: 'db' } }],
    ['app in (web,db),!canary', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }, { key: 'canary', operator: 'DoesNotExist' }] }],
    ['tier notin (front)', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }],
    ['missing', { matchExpressions: [{ key: 'missing', operator: 'Exists' }] }],
  ])('%j', (text, structured) => {
    expect(selectorMatches(structured, labels)).toBe(matchesLabels(parseLabelSelector(text), labels));
  });

  it('an unknown operator matches nothing', () => {
    expect(requirementsOf({ matchExpressions: [{ key: 'a', operator: 'Near' }] })).toBeNull();
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Near' }] }, labels)).toBe(false);
  });

  it.each<[Record<string, string> | undefined, boolean]>([
    [undefined, false],
    [{}, false],
    [{ app: 'web' }, true],
    [{ app: 'web', tier: 'back' }, false],
  ])('map selector %j -> %s', (sel, want) => {
    expect(matchesMapSelector(sel, labels)).toBe(want);
  });

  it.each<[LabelSelector | undefined, boolean]>([
    [undefined, true],
    [{}, true],
    [{ matchLabels: {} }, true],
    [{ matchLabels: { a: 'b' } }, false],
  ])('isEmptySelector(%j) -> %s', (sel, want) => {
    expect(isEmptySelector(sel)).toBe(want);
  });
});
