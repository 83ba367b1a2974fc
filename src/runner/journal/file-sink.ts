import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE } from './records.js';

/** Where the journal's lines go: a file in the run's output folder, or memory in tests. */
export interface JournalSink {
  /** Appends text; throws if it cannot (the journal then stops writing and says so once). */
  write(text: string): void;
  /** Makes what was written durable against a power loss, not only against a killed process. */
  sync(): void;
  close(): void;
}

/**
 * Opens (creating the folder, truncating an older journal) `dir/journal.ndjson` for appending.
 * Every write is one write(2) of whole lines straight to the file, with no buffer in this
 * process: the kernel's page cache outlives a killed process, so SIGKILL or the OOM killer loses
 * nothing written before it. Only a power loss or a kernel crash could, which sync() (fdatasync)
 * covers at the two records an audit needs most, the plan and the end; syncing every second would
 * stall the generator's event loop on a busy disk for no gain against a killed process.
 */
export function openJournalFile(dir: string): JournalSink & { path: string } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, JOURNAL_FILE);
  const fd = openSync(path, 'w');
  let open = true;
  return {
    path,
    write(text: string): void {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    },
    sync(): void {
      fdatasyncSync(fd);
    },
    close(): void {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
