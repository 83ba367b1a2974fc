import { badJournal, decodeJournalRecord, type JournalRecord } from './records.js';

/** The records of a journal, and whether its last line was torn (cut mid-write, then ignored). */
export interface JournalRead {
  records: JournalRecord[];
  /** The text ended in a partial line: the process died while writing it. It is left out. */
  tornTail: boolean;
}

/**
 * Parses a journal's text. A record counts once it is whole: the last line may be cut anywhere
 * (the process was killed mid-write) and is then ignored; a bad line anywhere else, or a gap in
 * the sequence numbers, throws E_BAD_JOURNAL (an edited or corrupted journal is never guessed at).
 */
export function parseJournal(text: string): JournalRead {
  const lines = text.split('\n');
  // After the last newline: '' when the journal ends cleanly, else a line still being written.
  const tail = lines.pop() ?? '';
  const records: JournalRecord[] = [];
  lines.forEach((line, i) => records.push(decodeJournalRecord(line, `line ${i + 1}`)));
  let tornTail = false;
  if (tail !== '') {
    try {
      records.push(decodeJournalRecord(tail, `line ${lines.length + 1}`));
    } catch {
      tornTail = true;
    }
  }
  records.forEach((r, i) => {
    if (r.seq !== i) throw badJournal(`line ${i + 1}: record ${r.seq} where record ${i} was expected (a record is missing or out of order)`);
  });
  return { records, tornTail };
}
