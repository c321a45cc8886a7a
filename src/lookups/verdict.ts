import type { FileVerdict } from './lookup.types.js';
import type { CachedVerdict } from './lookup.table.js';

/** One engine saying malicious makes a file malicious; analysts triage from the worst signal. */
export function verdictOf(file: FileVerdict): Exclude<CachedVerdict, 'not_found'> {
  if (file.malicious > 0) return 'malicious';
  if (file.suspicious > 0) return 'suspicious';
  return 'clean';
}
