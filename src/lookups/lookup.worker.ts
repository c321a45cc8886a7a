// Piscina worker entry. It runs in a fresh module registry per thread, so it must stay free of
// app state (DB, config, express): everything a lookup needs travels in the task.
import type { LookupOutcome, LookupTask } from './lookup.types.js';
import { lookupObject } from './vt-client.js';

export default async function lookup(task: LookupTask): Promise<LookupOutcome> {
  return lookupObject(task);
}
