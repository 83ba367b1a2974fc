import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { fieldValue, labelSelectorToString, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../../src/emulator/api/selectors.js';

const labels = { app: 'web', tier: 'front', 'example.com/track': 'stable', n: '5' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db, cache)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['missing in (web)', false],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web,db),!missing,tier', true],
    ['example.com/track=stable', true],
    ['n>3', true],
    ['n<3', false],
    [' app = web , tier in ( front ) ', true],
  ])('%j matches: %s', (sel, want) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it.each(['app in web', 'app=(x)', '=web', 'app in ()', 'a b c', 'app=in valid'])('rejects %j with 400', (sel) => {
    try {
      parseLabelSelector(sel);
      expect.unreachable(`${sel} parsed`);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
  });

  it.each([
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [{ matchLabels: { a: '1', b: '2' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }, { key: 'd', operator: 'DoesNotExist' }, { key: 'e', operator: 'Exists' }] }, 'a=1,b=2,c in (x,y),!d,e'],
    [undefined, ''],
  ])('structured selector %j -> %j', (sel, want) => {
    expect(labelSelectorToString(sel)).toBe(want);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p1', namespace: 'default' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name=p2', false],
    ['metadata.namespace=default,status.phase=Running', true],
    ['status.phase!=Running', false],
    ['status.phase!=Pending', true],
    ['spec.nodeName=n1', true],
    ['spec.nodeName=', false],
    ['spec.missing=', true],
    ['', true],
  ])('%j matches: %s', (sel, want) => {
    expect(matchesFields(parseFieldSelector(sel), pod)).toBe(want);
  });

  it('rejects malformed selectors with 400', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(ApiError);
  });

  it('reads nested values as strings', () => {
    expect(fieldValue({ a: { b: 3 } }, 'a.b')).toBe('3');
    expect(fieldValue({ a: null }, 'a.b')).toBe('');
  });
});
