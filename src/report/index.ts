import type { ConsoleOptions } from './console.js';
import { renderConsole } from './console.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './model.js';
import type { ReportFormat } from '../scenario/report-formats.js';

export type { ConsoleOptions } from './console.js';
export { renderConsole } from './console.js';
export { canonicalJson, computeDigest, digestOf, DIGEST_ALGORITHM, verifyReport, withDigest } from './digest.js';
export type { DigestCheck } from './digest.js';
export { keyIdOf, loadSigningKey, loadVerifyKey, sealReport, SIGNATURE_ALGORITHM, signatureOf, verifySignature } from './signature.js';
export type { SignatureCheck, SigningKey } from './signature.js';
export { downsampleTimeline, escapeHtml, MAX_TIMELINE_COLUMNS, renderHtml } from './html.js';
export type { DownsampledTimeline, TimelineColumn } from './html.js';
export { renderJson, REPORT_FIELD_ORDER, REPORT_OPTIONAL_FIELD_ORDER } from './json.js';
export { renderJunit } from './junit.js';
export { renderMarkdown } from './markdown.js';
export type { ReadReportOptions } from './read.js';
export { readReport } from './read.js';
export * from './model.js';
export { REPORT_FORMATS, type ReportFormat } from '../scenario/report-formats.js';


/** File name each written format gets in a run's report directory (console goes to stdout). */
export const REPORT_FILE_NAMES: Record<Exclude<ReportFormat, 'console'>, string> = {
  json: 'report.json',
  junit: 'junit.xml',
  md: 'summary.md',
  html: 'report.html',
};

/** Renders a report in one format; console options apply to 'console' only. */
export function render(report: Report, format: ReportFormat, opts: ConsoleOptions = {}): string {
  switch (format) {
    case 'console':
      return renderConsole(report, opts);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
  }
}
