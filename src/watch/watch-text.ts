/** The re-check interval in words: "every day", "every 6 hours", "every 2 days". */
export function describeRecheckInterval(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours === 24) return 'every day';
  if (hours % 24 === 0) return `every ${hours / 24} days`;
  if (hours === 1) return 'every hour';
  if (hours >= 1) return `every ${Number(hours.toFixed(1))} hours`;
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
}
