import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolGitFacts } from '../../../src/cli/audit-facts.js';

/** A fresh git repository with one commit; returns its folder and commit. */
function repoWithCommit(): { dir: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-git-facts-'));
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'first');
  return { dir, commit: git('rev-parse', 'HEAD') };
}

describe('toolGitFacts: the commit zerodrop was built from', () => {
  it('from a checkout (its root is the top of the work tree): the commit', () => {
    const { dir, commit } = repoWithCommit();
    expect(toolGitFacts(dir)).toEqual({ commit, dirty: false });
  });

  it("installed inside the user's repository (node_modules/zerodrop): nothing, not the user's commit", () => {
    const { dir } = repoWithCommit();
    const installed = join(dir, 'node_modules', 'zerodrop');
    mkdirSync(installed, { recursive: true });
    expect(toolGitFacts(installed)).toBeUndefined();
  });

  it('outside any git work tree: nothing', () => {
    expect(toolGitFacts(mkdtempSync(join(tmpdir(), 'zerodrop-no-git-')))).toBeUndefined();
  });
});
