import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

// The official OASIS STIX 2.1 JSON schemas, vendored unchanged (tests/fixtures/stix2.1/README.md).
const schemaDir = fileURLToPath(new URL('../fixtures/stix2.1/schemas', import.meta.url));
const BUNDLE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json';

/** A validator of STIX 2.1 bundles made from every vendored schema (they refer to each other by relative $ref). */
export function stixBundleValidator() {
  // strict off: the schemas carry annotations (e.g. "definitions" of open vocabularies) Ajv's strict mode rejects.
  // unicodeRegExp off: their patterns escape "-" outside a class (`\-?`), which the "u" flag forbids.
  // logger off: Ajv warns of the "idn-hostname" format, which ajv-formats lacks; such values are left unchecked.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false, logger: false });
  formats.default(ajv);
  for (const rel of readdirSync(schemaDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(schemaDir, rel), 'utf8')) as object);
  }
  const validate = ajv.getSchema(BUNDLE);
  assert.ok(validate, 'the bundle schema is loaded');
  return (bundle: unknown) => {
    const ok = validate(bundle);
    return { ok, errors: ajv.errorsText(validate.errors, { separator: '\n' }) };
  };
}
