/** Escaping of outside text for HTML and inline SVG: text nodes and double-quoted attributes alike. */
import { stripControl } from '../../text/escape.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Lone surrogates cannot be encoded as UTF-8; the browser would show U+FFFD anyway.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Outside text (pod names, URLs, command output, event messages) for an HTML text node or a
 * double-quoted attribute value: terminal control sequences dropped, the five markup characters as
 * entities. Safe in HTML and in SVG inside HTML, so `</svg>` or `<script>` shows as typed.
 */
export function escapeHtml(text: string): string {
  return stripControl(text)
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}
