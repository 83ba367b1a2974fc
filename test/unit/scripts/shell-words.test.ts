import { describe, expect, it } from 'vitest';
import { shellWords } from '../../../scripts/shell-words.mjs';

describe('shellWords (the Action splits extra-args with it)', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['   ', []],
    ['--workers 2', ['--workers', '2']],
    ['  --deployment web\n--service web  ', ['--deployment', 'web', '--service', 'web']],
    ['--header "X-Env: ci"', ['--header', 'X-Env: ci']],
    ["--header 'Authorization: Bearer $TOKEN'", ['--header', 'Authorization: Bearer $TOKEN']],
    ['--trigger "echo \\"hi\\" \\$HOME"', ['--trigger', 'echo "hi" $HOME']],
    ['a\\ b c', ['a b', 'c']],
    ['""', ['']],
    ["--name ''", ['--name', '']],
    ['x"y z"w', ['xy zw']],
    ['$(rm -rf /) `id`', ['$(rm', '-rf', '/)', '`id`']],
    ['line\\\ncontinued', ['linecontinued']],
  ])('%j', (input, expected) => {
    expect(shellWords(input)).toEqual(expected);
  });

  it.each(['"open', "it's", 'a "b\'c'])('an open quote is an error: %j', (input) => {
    expect(() => shellWords(input)).toThrow(/unbalanced/);
  });
});
