/**
 * Defanged forms undone, matched case-insensitively anywhere in the token:
 *   `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` `\.`  → `.`
 *   `[:]` → `:`      `[://]` → `://`      `[@]` `[at]` → `@` (userinfo)
 * Defanged schemes (`hxxp`, `hxxps`, `hXXp(s)`, `fxp`, `meow`…) need no rewriting: a URL of any
 * scheme counts as its host, so the scheme is never read.
 */
const DEFANGED = /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\\\.|\[:\/\/\]|\[:\]|\[@\]|\[at\]/gi;
// Every defanged form starts with one of these; most tokens have none and skip the replace.
const MAY_BE_DEFANGED = /[[({\\]/;

const REFANGED: Record<string, string> = {
  '[.]': '.', '(.)': '.', '{.}': '.', '[dot]': '.', '(dot)': '.', '{dot}': '.', '\\.': '.',
  '[://]': '://', '[:]': ':', '[@]': '@', '[at]': '@',
};

/** The token with its defanged parts restored; tokens with none come back as they are. */
export function refang(token: string): string {
  if (!MAY_BE_DEFANGED.test(token)) return token;
  return token.replace(DEFANGED, (m) => REFANGED[m.toLowerCase()] ?? m);
}
