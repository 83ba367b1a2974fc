// The formats a scenario may ask for (`report.formats`, `--format`): part of the scenario's
// vocabulary, so the scenario need not import the renderers; src/report re-exports them.

/** Output formats a report renders to. */
export const REPORT_FORMATS = ['console', 'json', 'junit', 'md', 'html'] as const;

/** One output format. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
