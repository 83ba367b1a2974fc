// Types of scripts/shell-words.mjs (plain JavaScript, run by the GitHub Action), for its tests.

/** The arguments `s` holds, as a POSIX shell would split them (no expansion); throws on an open quote. */
export declare function shellWords(s: string): string[];
