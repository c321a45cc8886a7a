/** Dates in views: absolute UTC, because analysts compare them with VirusTotal's UTC times. */
export function formatDate(value: Date | string | number | null | undefined): string {
  if (value == null) return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "in 3 min", "in 2 h 5 min", "in 1 d 4 h": for estimated finish times. */
export function formatRelative(value: Date | null, now = Date.now()): string {
  if (!value) return '';
  const minutes = Math.max(0, Math.round((value.getTime() - now) / 60_000));
  if (minutes < 1) return 'in under a minute';
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `in ${hours} h ${minutes % 60} min`;
  return `in ${Math.floor(hours / 24)} d ${hours % 24} h`;
}
