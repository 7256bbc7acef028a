/**
 * Text from run folders, configs and queue jobs may come from someone else's machine: it is
 * escaped for the place it lands, by one of these, never pasted raw.
 */

/** For HTML text and attribute values (double-quoted). */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * For Markdown text: control characters become spaces (a newline would start a block), and the
 * characters that make markup — emphasis, code, links, tables, raw HTML, entities — are
 * backslash-escaped (CommonMark: any ASCII punctuation may be), so a renderer shows them as text.
 */
export const markdownText = (s: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  s.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/[\\`*_[\]<>|~&#!]/g, (c) => `\\${c}`);

/** A number as a spreadsheet reads it (also -2, 1e-3): safe to leave as it is. */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * For a CSV cell a spreadsheet will open (OWASP, "CSV Injection"): a cell that begins with
 * = + - @, a tab or a carriage return would be read as a formula, so it gets a leading ' —
 * unless it is a plain number.
 */
export const csvText = (s: string): string => (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s) ? `'${s}` : s);

/**
 * JSON inside a <script> element: `<` as \u003c (still the same JSON), so neither `</script>` nor
 * `<!--` in a value can end or confuse the element.
 */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** For a terminal: control characters (an escape sequence could rewrite the screen) shown as \xNN. */
export const printable = (s: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
