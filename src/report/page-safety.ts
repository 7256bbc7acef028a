/**
 * What keeps report.html inert whatever the run folders hold. Two fences:
 * - report.md is rendered with no raw HTML (shown as text), and links only to http(s) addresses
 *   or within the page; the Markdown itself escapes every string from a run (markdown.ts);
 * - a Content-Security-Policy: the page's own inline scripts run by their SHA-256 hashes, nothing
 *   else does — no inline event handler (`onerror=`), no injected <script> — and nothing is
 *   fetched. Vega compiles its expressions with `new Function`, hence 'unsafe-eval': it evaluates
 *   the chart specs this page holds, which are data (JSON with `<` escaped), never markup.
 */
import { createHash } from 'node:crypto';
import { Marked } from 'marked';
import { escapeHtml } from '../util/escape.js';

const SAFE_HREF = /^(https?:\/\/|#)/i;

const markdown = new Marked({
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href)) return text;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`;
    },
    image: ({ text }) => escapeHtml(text),
  },
});

/** report.md as HTML for the page: no raw HTML, no images, no script: links. */
export const markdownToHtml = (md: string): string => markdown.parse(md) as string;

/** The policy for a page whose only scripts are `scripts` (the exact text of each inline <script>). */
export function contentSecurityPolicy(scripts: string[]): string {
  const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ')} 'unsafe-eval'`,
    "script-src-attr 'none'",
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
