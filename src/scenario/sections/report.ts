import { REPORT_FORMATS, type ReportFormat } from '../report-formats.js';
import type { Scenario } from '../types.js';
import type { ResolveContext, ScenarioReader } from './reader.js';

/** The `report` section: where the reports go, which are written, the signing key. */
export function resolveReport(r: ScenarioReader, ctx: ResolveContext): Scenario['report'] {
  const formatsRaw = r.get('report.formats');
  let formats: ReportFormat[] = [...REPORT_FORMATS];
  if (formatsRaw !== undefined) {
    const list = (Array.isArray(formatsRaw) ? formatsRaw : [formatsRaw]).flatMap((f) => String(f).split(',')).map((f) => f.trim()).filter(Boolean);
    const bad = list.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
    if (bad.length > 0) r.problems.add(r.label('report.formats'), `unknown format ${bad.map((b) => `"${b}"`).join(', ')}: choose from ${REPORT_FORMATS.join(', ')}`);
    else formats = [...new Set(list)] as ReportFormat[];
  }
  const outDir = r.text('report.out');
  const signKey = r.text('report.signKey');
  return {
    outDir: outDir === undefined ? undefined : ctx.resolvePath(outDir, r.fromFlag('report.out')),
    formats,
    ...(signKey === undefined ? {} : { signKey: ctx.resolvePath(signKey, r.fromFlag('report.signKey')) }),
  };
}
