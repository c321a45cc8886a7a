import { REPORT_STATUSES, VERDICTS } from '../reports/report.schemas.js';
import { LOOKUP_TYPES, MAX_NAME_CHARS, MAX_REPORT_VALUES, MAX_VALUE_CHARS } from './api.schemas.js';
import { components } from './openapi-components.js';
import { json, ref, response, type OpenApiDocument, type Parameter } from './openapi.types.js';
import { watchPaths, watchSchemas } from '../watch/watch-openapi.js';

export type { JsonSchema, OpenApiDocument } from './openapi.types.js';

// The API's OpenAPI 3.1 document, served as /api/v1/openapi.json. A test checks that every route of the
// API router is here and every path here is a route, that every $ref resolves, and that the schemas
// (openapi-components.ts) name exactly the fields real answers carry.

const EICAR_MD5 = '44d88612fea8a8f36de82e1278abb02f';

const errors = {
  '400': response('BadRequest'),
  '401': response('Unauthorized'),
  '429': response('TooManyRequests'),
  '500': response('InternalError'),
};

const bodyErrors = { ...errors, '413': response('PayloadTooLarge'), '415': response('UnsupportedMediaType') };

const pageParameter = (max: number, fallback: number): Parameter => ({
  name: 'per_page',
  in: 'query',
  description: `Entries per page (1–${max}).`,
  schema: { type: 'integer', minimum: 1, maximum: max, default: fallback },
});

export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Hash Report API',
    version: '1.0.0',
    description:
      'Look up file hashes, domains and IP addresses on VirusTotal through the shared cache and quota of this install, and create reports ' +
      'like browser uploads. Every call but this document needs a personal API token (Settings → API tokens) as `Authorization: Bearer <token>`; ' +
      'every call sees only its token owner\'s data. Session cookies are not accepted. Each user may make `API_REQUESTS_PER_MINUTE` calls a ' +
      'minute (default 60) across all their tokens; more get 429 with `Retry-After`. Every error is `{ "error": { "code", "message" } }`.',
  },
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'lookups', description: 'One value at a time.' },
    { name: 'reports', description: 'Lists of values, as reports.' },
    { name: 'meta', description: 'This document.' },
  ],
  paths: {
    '/api/v1/lookup': {
      get: {
        operationId: 'lookup',
        summary: 'Look up one hash, domain or IP address',
        description:
          "200 with the answer when the cache holds one fetched within the cache lifetime (24 h by default). Otherwise the value is queued as a row of the caller's " +
          '"API lookups" report and the answer is 202, with where to poll (`Location`, `poll`) and a `Retry-After` hint; poll until 200. A lookup that gave up ' +
          '(VirusTotal kept failing, or refused the value) answers 200 with `status: "error"` for the cache lifetime; POST /api/v1/refresh tries again at once. ' +
          'After a refresh, this answers 202 until an answer fetched after the refresh request has arrived.',
        tags: ['lookups'],
        parameters: [
          { name: 'value', in: 'query', required: true, description: `A hash (MD5, SHA-1, SHA-256), a domain or an IP address; defanged forms and URLs (their host) too. At most ${MAX_VALUE_CHARS} characters.`, schema: { type: 'string', minLength: 1, maxLength: MAX_VALUE_CHARS } },
          { name: 'type', in: 'query', description: 'The value must be of this type; without it the type is detected.', schema: { type: 'string', enum: [...LOOKUP_TYPES] } },
        ],
        responses: {
          '200': { description: 'The answer, from the cache or from a finished lookup.', content: json(ref('LookupResult')) },
          '202': response('Queued'),
          ...errors,
        },
      },
    },
    '/api/v1/refresh': {
      post: {
        operationId: 'refresh',
        summary: 'Ask VirusTotal about one value again',
        description:
          'Queues a new lookup of the value even when the cache holds a fresh answer; it costs one call of the quota that serves the caller (several refreshes ' +
          'of one value waiting at once cost one call). Poll GET /api/v1/lookup (the `poll` link) for the new answer. Each user may force ' +
          'FORCED_REFRESHES_PER_DAY refreshes a UTC day on the shared keys (100 by default; not counted when only their own key serves them); ' +
          'beyond that the answer is 429 `rate_limited` with Retry-After at 00:00 UTC, and nothing is queued.',
        tags: ['lookups'],
        requestBody: { required: true, content: json(ref('RefreshRequest'), { value: EICAR_MD5 }) },
        responses: { '202': response('Queued'), ...bodyErrors },
      },
    },
    '/api/v1/reports': {
      get: {
        operationId: 'listReports',
        summary: "List the caller's reports, newest first",
        tags: ['reports'],
        parameters: [
          { $ref: '#/components/parameters/page' },
          pageParameter(100, 20),
          { name: 'status', in: 'query', description: 'Only reports with this status.', schema: { type: 'string', enum: [...REPORT_STATUSES] } },
          { name: 'q', in: 'query', description: 'Only reports whose name contains this text.', schema: { type: 'string', maxLength: 200 } },
        ],
        responses: { '200': { description: 'One page of reports.', content: json(ref('ReportList')) }, ...errors },
      },
      post: {
        operationId: 'createReport',
        summary: 'Create a report from a list of values, as an upload does',
        description:
          'The values become rows in order (line n is the n-th value); invalid values are kept as invalid rows, repeated values count once, and at least one value ' +
          'must be a hash, domain or IP address. Rows the cache answers are answered at once; the rest are queued. Send JSON, or the list itself as ' +
          '`text/plain` (one value a line, UTF-8, up to MAX_UPLOAD_MB) with `name` and `notify` in the query. JSON bodies are limited to 16 MB (or MAX_UPLOAD_MB ' +
          `if lower) and ${MAX_REPORT_VALUES} values.`,
        tags: ['reports'],
        parameters: [
          { name: 'name', in: 'query', description: 'text/plain bodies only: the report name.', schema: { type: 'string', maxLength: MAX_NAME_CHARS } },
          { name: 'notify', in: 'query', description: 'text/plain bodies only: email the caller when the report completes (when this install sends email).', schema: { type: 'string', enum: ['true', 'false', '1', '0'] } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('CreateReportRequest'), example: { name: 'Incident 4711', values: [EICAR_MD5, 'example[.]com', '1.1.1.1'] } },
            'text/plain': { schema: { type: 'string' }, example: `${EICAR_MD5}\nexample[.]com\n1.1.1.1\n` },
          },
        },
        responses: {
          '201': {
            description: 'The report was created; its rows are being looked up (or were all answered from the cache).',
            headers: { Location: { description: 'The report in the API.', schema: { type: 'string' } } },
            content: json(ref('Report')),
          },
          ...bodyErrors,
        },
      },
    },
    '/api/v1/reports/{id}': {
      get: {
        operationId: 'getReport',
        summary: 'One report: status, counts and a page of its rows in line order',
        tags: ['reports'],
        parameters: [
          { name: 'id', in: 'path', required: true, description: 'The report id.', schema: { type: 'string' } },
          { $ref: '#/components/parameters/page' },
          pageParameter(1000, 100),
          {
            name: 'verdict',
            in: 'query',
            description: 'Only rows with this verdict; repeat for several.',
            style: 'form',
            explode: true,
            schema: { type: 'array', items: { type: 'string', enum: [...VERDICTS] } },
          },
        ],
        responses: {
          '200': { description: 'The report and one page of its rows.', content: json(ref('ReportWithItems')) },
          '404': response('NotFound'),
          ...errors,
        },
      },
    },
    '/api/v1/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        tags: ['meta'],
        security: [],
        responses: { '200': { description: 'The OpenAPI 3.1 document of this API.', content: json({ type: 'object' }) } },
      },
    },
    ...watchPaths,
  },
  components: { ...components, schemas: { ...components.schemas, ...watchSchemas } },
};
