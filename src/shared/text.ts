// Small text rules that names, searches, file names and messages share across features.

/** C0 control characters and DEL. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * The text with each control character made a space, then trimmed. They only ever come from a crafted
 * request or an odd file name, and SQLite's LIKE stops reading a pattern at NUL ("%\0" matches every name).
 */
export function cleanText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ').trim();
}

/**
 * A name safe as a file name on every disk and mail client: runs of anything but letters, digits,
 * dots and dashes become "_", no leading dot or underscore, 80 characters at most; `fallback` when
 * nothing is left.
 */
export function safeFileStem(name: string, fallback: string): string {
  return name.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || fallback;
}

export interface SizeFormat {
  /**
   * Under a megabyte, tenths of a kilobyte ("1.5 KB"), as the completion email states its limit.
   * Otherwise whole kilobytes, never "0 KB" (rounding to whole megabytes once said "0 MB").
   */
  kbTenths?: boolean;
}

/** "100 MB", "1.5 MB", "10 KB": a byte limit as a message states it. */
export function formatSize(bytes: number, { kbTenths = false }: SizeFormat = {}): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${Number(mb.toFixed(1))} MB`;
  const kb = bytes / 1024;
  return `${kbTenths ? Number(kb.toFixed(1)) : Math.max(1, Math.round(kb))} KB`;
}
