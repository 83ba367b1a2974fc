#!/usr/bin/env node
// Splits a string into arguments as a POSIX shell would, without expanding anything: whitespace
// separates, single quotes keep everything, double quotes and backslashes escape. The GitHub
// Action (action.yml) uses it for its `extra-args` input, so that `--header "X-Env: ci"` is two
// arguments and no input is ever evaluated by a shell.
//
//   node scripts/shell-words.mjs "$STRING"    # prints each argument followed by a NUL byte
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The arguments `s` holds, as a shell would split them (no expansion); throws on an open quote. */
export function shellWords(s) {
  const out = [];
  let cur = null;
  let quote = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur ??= '';
    } else if (c === '\\' && i + 1 < s.length) {
      const next = s[++i];
      if (next !== '\n') cur = (cur ?? '') + next;
    } else if (/\s/.test(c)) {
      if (cur !== null) out.push(cur);
      cur = null;
    } else cur = (cur ?? '') + c;
  }
  if (quote !== null) throw new Error(`unbalanced ${quote} quote in: ${s}`);
  if (cur !== null) out.push(cur);
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    process.stdout.write(shellWords(process.argv[2] ?? '').map((a) => `${a}\0`).join(''));
  } catch (err) {
    process.stderr.write(`extra-args: ${err.message}\n`);
    process.exit(3);
  }
}
