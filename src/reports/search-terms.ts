import type { LookupType } from '../lookups/lookup.types.js';
import { refang } from './indicator-refang.js';
import { detectValue } from './list-parser.js';

// What an analyst types into a search box, read the way the list parser reads an upload: defanged
// forms (`tawuhoju[.]com`, `hxxp://…`, `1.2.3[.]4`) and any case find the value as it is stored.

export interface SearchTerms {
  /** As typed (trimmed): the row's input is searched as written. */
  text: string;
  /** Refanged and lower-cased, as hashes, domains and IPs are stored; equal to `text` when typing needed no undoing. */
  normalised: string;
  /** The whole query read as one value (a URL as its host), or null when it is not one: a prefix, a name. */
  value: { value: string; type: LookupType } | null;
}

export function searchTerms(query: string): SearchTerms {
  const text = query.trim();
  return { text, normalised: refang(text).toLowerCase(), value: text === '' ? null : detectValue(text) };
}
