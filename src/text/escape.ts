/** Escaping of outside text (URLs, error codes, command output, pod names) for each output format. */

// CSI (colours, cursor moves) and OSC (titles, hyperlinks) sequences, then any other lone ESC.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-_]?/g;

/** Removes terminal escape sequences and control characters (keeping newlines and tabs). */
export function stripControl(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

/** One line of plain text: control characters gone, whitespace collapsed, at most `max` characters. */
export function oneLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const flat = stripControl(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
}

// Characters XML 1.0 forbids even as references, and lone surrogates.
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content for XML: entities for markup characters, invalid characters dropped. */
export function escapeXmlText(text: string): string {
  return stripControl(text)
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** An XML attribute value (double-quoted): also quotes, and line breaks kept as references. */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/**
 * Inline Markdown (GitHub flavour): backslash-escapes the characters that start emphasis, code,
 * links, HTML or table cells, and flattens line breaks, so outside text shows as typed.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|~&#!]/g, (ch) => `\\${ch}`);
}
