/**
 * Secrets never reach an output. Everything a report, a log line or an error message may carry
 * passes through here: URL credentials, secret query parameters and assignments, secret header
 * lines, and the literal values of the secrets a scenario holds (so a trigger that echoes its
 * token does not leak it either). The traffic itself is sent with the real values: only outputs
 * are redacted.
 */

/** What stands in for a secret. */
export const REDACTED = '[redacted]';

/**
 * Names of query parameters, `NAME=value` assignments and `--name value` flags whose values are
 * secrets (lower case, compared case-insensitively). Names that contain one of SECRET_NAME_PARTS
 * count too (`GITHUB_TOKEN`, `db_password`, `X-Amz-Security-Token`).
 */
export const SECRET_PARAM_NAMES: ReadonlySet<string> = new Set([
  'token', 'access_token', 'refresh_token', 'id_token', 'auth_token', 'private_token', 'jwt',
  'key', 'api_key', 'apikey', 'api-key', 'access_key', 'secret_key', 'private_key',
  'secret', 'client_secret',
  'password', 'passwd', 'pwd', 'pass', 'passphrase',
  'signature', 'sig', 'auth', 'authorization', 'credential', 'credentials',
  'session', 'sessionid', 'session_id',
  'x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'x-goog-signature', 'x-goog-credential',
]);

/** Parts of a name that make it secret wherever they appear in it. */
const SECRET_NAME_PARTS = /token|secret|passw|passphrase|api[-_]?key|access[-_]?key|private[-_]?key|signature|credential/i;

/** Header names whose values never reach a report or a log: the well-known ones, and any that names a secret. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-session-id)$|token|secret|password|passwd|api[-_]?key|auth|signature|credential|cookie/i;

/** Secrets shorter than this are redacted where they are structured (URL, header, parameter), but not hunted for in free text: a short value would also match ordinary words. */
export const MIN_LITERAL_SECRET_LENGTH = 6;

/** True when a header's value must be kept out of reports and logs. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** True when a query parameter, assignment or flag of this name carries a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM_NAMES.has(name.toLowerCase()) || SECRET_NAME_PARTS.test(name);
}

/** A copy of the headers with secret values replaced (and URL credentials redacted in the others). */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretHeader(k) ? REDACTED : redactText(v);
  return out;
}

/** A copy of a command line with secret header values (`--header "Authorization: x"`), URL credentials and secret parameters replaced. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const inline = /^(--header=|-H=?)(.*)$/s.exec(arg);
    if (inline) {
      out.push(`${inline[1]}${redactHeaderLine(inline[2] as string)}`);
    } else if ((arg === '--header' || arg === '-H') && i + 1 < argv.length) {
      out.push(arg, redactHeaderLine(argv[++i] as string));
    } else {
      out.push(redactText(arg));
    }
  }
  return out;
}

function redactHeaderLine(line: string): string {
  const colon = line.indexOf(':');
  return colon > 0 && isSecretHeader(line.slice(0, colon).trim()) ? `${line.slice(0, colon)}: ${REDACTED}` : redactText(line);
}

/**
 * Redacts a URL, or every secret in a text that holds URLs (an error message, a command line):
 * the same as redactText. A URL keeps its user name when it has a password (`http://alice:[redacted]@host/`);
 * a user name alone is redacted (`https://[redacted]@host/`), since a token is often passed that way.
 */
export function redactUrl(text: string): string {
  return redactText(text);
}

/**
 * Redacts every secret a free text may carry: URL credentials, secret query parameters and
 * `NAME=value` assignments (`?token=`, `&X-Amz-Signature=`, `API_KEY=...`), `--password value`
 * flags and secret header lines (`Authorization: Bearer ...`). Idempotent.
 */
export function redactText(text: string): string {
  return scan(text, undefined);
}

/**
 * The secret values a text holds, as redactText finds them (URL passwords, parameter and header
 * values), for hunting them down in free text elsewhere.
 */
export function secretsInText(text: string): string[] {
  const found = new Set<string>();
  scan(text, found);
  return [...found];
}

/** The secrets of a scenario: its URL's credentials and secret parameters, its secret header values, and the secrets its trigger command line holds. */
export function secretsOfScenario(scenario: {
  target: { url?: string | undefined; headers: Record<string, string> };
  trigger?: { action: { kind: string; command?: string } } | undefined;
}): string[] {
  const found = new Set<string>();
  if (scenario.target.url !== undefined) scan(scenario.target.url, found);
  for (const [k, v] of Object.entries(scenario.target.headers)) {
    if (isSecretHeader(k)) addSecret(found, v);
    else scan(v, found);
  }
  const action = scenario.trigger?.action;
  if (action?.kind === 'command' && action.command !== undefined) scan(action.command, found);
  return [...found];
}

/**
 * A deep copy of a JSON-like value (a report, a sweep result) with every string redacted
 * (redactText) and every literal secret in `secrets` replaced wherever it appears. Object keys are
 * kept as they are.
 */
export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  const literals = [...new Set(secrets)].filter((s) => s.length >= MIN_LITERAL_SECRET_LENGTH && s !== REDACTED).sort((a, b) => b.length - a.length);
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return redactLiterals(redactText(v), literals);
    if (Array.isArray(v)) return v.map(visit);
    if (v !== null && typeof v === 'object') {
      // Class instances (a Date) are left to their own toJSON.
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = visit(x);
      return out;
    }
    return v;
  };
  return visit(value) as T;
}

/** Replaces every occurrence of each literal secret in a text. */
export function redactLiterals(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_LITERAL_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

function addSecret(found: Set<string> | undefined, value: string): void {
  if (found === undefined) return;
  const add = (v: string): void => {
    const t = v.trim();
    if (t === '' || t === REDACTED) return;
    found.add(t);
    try {
      // The percent-decoded form is the secret too (a password in a URL is percent-encoded).
      const decoded = decodeURIComponent(t);
      if (decoded !== t) found.add(decoded);
    } catch {
      // not percent-encoded
    }
  };
  add(value);
  // `Bearer <token>`: the token alone is the secret (the scheme word is not).
  const scheme = /^(?:bearer|basic|digest|token|negotiate|bot|aws4-hmac-sha256)\s+(.+)$/is.exec(value.trim());
  if (scheme) add(scheme[1] as string);
  // A cookie `a=1; b=2`: each value.
  if (value.includes(';')) for (const piece of value.split(';')) add(piece.slice(piece.indexOf('=') + 1));
}

// scheme://userinfo@ — the userinfo runs to the last @ of the authority (WHATWG URL parsing).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"'<>`@]*(?:@[^\s/?#"'<>`@]*)*)@/gi;
// NAME= after a boundary (start, space, quote, bracket, separator, ?, &, .): a query parameter, an assignment, a --flag=value.
const ASSIGNMENT = /(?<![^\s"'`{(\[,;&?.])(?:--?)?([A-Za-z0-9_-]+)=/g;
// --name value (the value a separate word that is not itself a flag).
const FLAG_VALUE = /(?<![^\s"'`])--([A-Za-z0-9_-]+)[ \t]+(?=[^\s-])/g;
// curl's -u/--user user:password.
const USER_FLAG = /(?<![^\s"'`])(?:-u|--user)(?:[ \t]+|=)(["']?)([^\s:"']+):/g;
// Name: value, as a header line or a YAML field.
const HEADER_LINE = /(?<![^\s"'`{(\[,;])([A-Za-z0-9_-]+)([ \t]*:[ \t]*)(?!\/\/)(?=\S)/g;

function scan(text: string, found: Set<string> | undefined): string {
  let out = text.replace(URL_USERINFO, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) {
      addSecret(found, userinfo);
      return `${scheme}${REDACTED}@`;
    }
    addSecret(found, userinfo.slice(colon + 1));
    return `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`;
  });
  out = replaceValues(out, ASSIGNMENT, isSecretParam, (t, i) => valueEnd(t, i, /[\s&#"'`;<>]/), found);
  out = replaceValues(out, FLAG_VALUE, isSecretParam, (t, i) => valueEnd(t, i, /\s/), found);
  out = replaceValues(out, USER_FLAG, () => true, (t, i) => valueEnd(t, i, /[\s"']/), found);
  out = replaceValues(out, HEADER_LINE, isSecretHeader, (t, i) => valueEnd(t, i, /[\r\n"'`]/), found);
  return out;
}

/** Replaces the value after each match of `re` whose name (group 1) is secret; the value runs from the match's end to `end`. */
function replaceValues(
  text: string,
  re: RegExp,
  secret: (name: string) => boolean,
  end: (text: string, start: number) => number,
  found: Set<string> | undefined,
): string {
  let out = '';
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (!secret(m[1] as string)) continue;
    const start = m.index + m[0].length;
    const stop = end(text, start);
    if (stop === start) continue;
    const value = text.slice(start, stop);
    const bare = /^(["'`]).*\1$/s.test(value) ? value.slice(1, -1) : value;
    // Already redacted, or a header's own scheme word kept readable: `Authorization: [redacted]`.
    if (bare !== REDACTED) {
      addSecret(found, bare);
      out += text.slice(last, start) + REDACTED;
      last = stop;
    }
    re.lastIndex = Math.max(stop, re.lastIndex);
  }
  return out + text.slice(last);
}

/** Where a value starting at `start` ends: after its closing quote when quoted, else at the first `stop` character (trailing punctuation left out). */
function valueEnd(text: string, start: number, stop: RegExp): number {
  const q = text[start];
  if (q === '"' || q === "'" || q === '`') {
    const close = text.indexOf(q, start + 1);
    return close < 0 ? text.length : close + 1;
  }
  let i = start;
  while (i < text.length && !stop.test(text[i] as string)) i++;
  // Punctuation that ends a sentence is not part of the value: `...?key=k9: refused`, `...?token=t.`
  while (i > start + 1 && /[.,:)}]/.test(text[i - 1] as string) && (i === text.length || /\s/.test(text[i] as string))) i--;
  return i;
}
