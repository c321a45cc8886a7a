// The markup of views/partials/short-value.ejs, made by a function: the report page prints one per
// row, and an EJS include copies every local and checks the disk for the file each time (a hundred
// of them were a sixth of a page view's CPU). The partial calls this too, so there is one definition.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** EJS's own escaping (`<%= %>`), so the markup is the same whichever way it is printed. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/**
 * A long value (a SHA-256, a URL) on one line, shortened in the middle: the start, an ellipsis, and
 * its last characters drawn by CSS from data-tail. The element holds the whole text, so selecting,
 * searching the page and screen readers get all of it; hovering shows it too. `href` makes it a link.
 */
export function shortValue(value: string, href?: string | null): string {
  const text = escapeHtml(value);
  const tail = value.length > 22 ? ` data-tail="${escapeHtml(value.slice(-6))}"` : '';
  const inner = href ? `<a href="${escapeHtml(href)}">${text}</a>` : `<span>${text}</span>`;
  return `<span class="mid" title="${text}"${tail}>${inner}</span>`;
}
