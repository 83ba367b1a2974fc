import type { V1LabelSelector } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { selectorMatches, selectorToString } from '../../../src/labels/label-selector.js';

describe('selectorToString', () => {
  it.each<[string, V1LabelSelector | undefined, string]>([
    ['undefined', undefined, ''],
    ['empty', {}, ''],
    ['matchLabels sorted', { matchLabels: { tier: 'web', app: 'shop' } }, 'app=shop,tier=web'],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, 'env in (dev,prod)'],
    ['NotIn', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['x'] }] }, 'env notin (x)'],
    ['Exists', { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, 'canary'],
    ['DoesNotExist', { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] }, '!canary'],
    ['both', { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, 'app=a,b'],
  ])('%s', (_n, sel, want) => {
    expect(selectorToString(sel)).toBe(want);
  });

  it('throws on an unknown operator', () => {
    expect(() => selectorToString({ matchExpressions: [{ key: 'a', operator: 'Near' }] })).toThrow(/Near/);
  });
});

describe('selectorMatches', () => {
  const labels = { app: 'shop', env: 'prod' };
  it.each<[string, V1LabelSelector | undefined, boolean]>([
    ['nil selects nothing', undefined, false],
    ['empty selects everything', {}, true],
    ['matchLabels hit', { matchLabels: { app: 'shop' } }, true],
    ['matchLabels miss', { matchLabels: { app: 'cart' } }, false],
    ['In hit', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, true],
    ['In missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn missing key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['NotIn hit', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
  ])('%s', (_n, sel, want) => {
    expect(selectorMatches(sel, labels)).toBe(want);
  });
});
