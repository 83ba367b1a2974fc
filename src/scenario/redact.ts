/** Header names whose values never reach a report or a log. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token)$|token|secret|password|passwd|api[-_]?key/i;

/** What stands in for a secret. */
export const REDACTED = '[redacted]';

/** True when a header's value must be kept out of reports and logs. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** A copy of the headers with secret values replaced. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretHeader(k) ? REDACTED : v;
  return out;
}

/** A copy of a command line with secret header values (`--header "Authorization: x"`) and URL passwords replaced. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const inline = /^(--header=|-H=?)(.*)$/.exec(arg);
    if (inline) {
      out.push(`${inline[1]}${redactHeaderLine(inline[2] as string)}`);
    } else if ((arg === '--header' || arg === '-H') && i + 1 < argv.length) {
      out.push(arg, redactHeaderLine(argv[++i] as string));
    } else {
      out.push(redactUrl(arg));
    }
  }
  return out;
}

function redactHeaderLine(line: string): string {
  const colon = line.indexOf(':');
  return colon > 0 && isSecretHeader(line.slice(0, colon).trim()) ? `${line.slice(0, colon)}: ${REDACTED}` : line;
}

/** Replaces the password of a URL with user-info (`http://u:p@host`). */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${REDACTED}@`);
}
