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
  return `in ${formatDuration(value.getTime() - now)}`;
}

/** "under a minute", "3 min", "2 h 5 min", "1 d 4 h": how long ago `value` was, for the age of a result. */
export function formatAge(value: Date | string | number | null | undefined, now = Date.now()): string {
  if (value == null) return '';
  const at = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return Number.isNaN(at) ? '' : formatDuration(now - at);
}

function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
