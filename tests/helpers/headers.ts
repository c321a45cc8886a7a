import assert from 'node:assert/strict';

/** A Content-Security-Policy header as directive → values. */
export function cspDirectives(csp: string | null): Map<string, string[]> {
  assert.ok(csp, 'no Content-Security-Policy header');
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...values]) => [name.toLowerCase(), values]),
  );
}
