import { REPORT_STATUSES, VERDICTS } from '../reports/report.schemas.js';
import { API_ERROR_CODES } from './api-errors.js';
import { LOOKUP_TYPES, MAX_NAME_CHARS, MAX_REPORT_VALUES, MAX_VALUE_CHARS } from './api.schemas.js';
import { json, nullable, ref, type JsonSchema, type OpenApiDocument } from './openapi.types.js';

// The schemas and shared responses of the API's OpenAPI document (openapi.ts holds its paths).

/** The fields a report row and a lookup answer share (the exports' names). */
const answerFields: Record<string, JsonSchema> = {
  value: nullable('string', 'What was looked up: the hash, or the domain or IP the input names.'),
  type: { type: ['string', 'null'], enum: [...LOOKUP_TYPES, null] },
  status: { type: 'string', enum: ['pending', 'found', 'not_found', 'invalid', 'error'] },
  verdict: { type: 'string', enum: [...VERDICTS], description: 'Files: malicious, suspicious or clean. Domains and IPs: suspicious or not_suspicious (reputation first, then engines).' },
  sha256: nullable('string'),
  sha1: nullable('string'),
  md5: nullable('string'),
  malicious: nullable('integer', 'Engines that said malicious.'),
  suspicious: nullable('integer'),
  undetected: nullable('integer'),
  harmless: nullable('integer'),
  engines: nullable('integer', 'Engines that gave a verdict.'),
  fortinet: nullable('string', "Files: Fortinet's detection name. Domains and IPs: Fortinet's result whatever it is."),
  reputation: nullable('integer', 'Domains and IPs: the community reputation.'),
  categories: { type: ['array', 'null'], items: { type: 'string' }, description: 'Domains: the distinct categories vendors gave.' },
  asOwner: nullable('string', "IPs: the autonomous system's owner."),
  country: nullable('string', 'IPs: the country (ISO 3166).'),
  lastAnalysisDate: nullable('string', "VirusTotal's last analysis, ISO 8601 UTC."),
  threatLabel: nullable('string', "Files: VirusTotal's popular threat label (suggested_threat_label)."),
  virusTotalUrl: nullable('string', "The object's page on VirusTotal; null for a file VirusTotal does not know."),
  error: nullable('string', 'Why the lookup failed (status error).'),
};

const countsSchema: JsonSchema = {
  type: 'object',
  description: 'Rows per verdict; `total` is every row, invalid lines included.',
  required: ['total', 'malicious', 'suspicious', 'clean', 'notSuspicious', 'notFound', 'invalid', 'error', 'pending'],
  properties: Object.fromEntries(['total', 'malicious', 'suspicious', 'clean', 'notSuspicious', 'notFound', 'invalid', 'error', 'pending'].map((k) => [k, { type: 'integer', minimum: 0 }])),
};

const reportProperties: Record<string, JsonSchema> = {
  id: { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string', enum: ['list', 'lookups'], description: 'list: an upload (browser or API). lookups: the "API lookups" report that holds values asked for through /lookup and /refresh.' },
  status: { type: 'string', enum: [...REPORT_STATUSES] },
  createdAt: { type: 'string', format: 'date-time' },
  completedAt: { type: ['string', 'null'], format: 'date-time' },
  progress: { type: 'number', minimum: 0, maximum: 1, description: 'Share of rows with an answer.' },
  counts: ref('Counts'),
  links: {
    type: 'object',
    required: ['self', 'web'],
    properties: { self: { type: 'string', description: 'This report in the API.' }, web: { type: 'string', description: 'The report page in the browser.' } },
  },
};

export const components: OpenApiDocument['components'] = {
  securitySchemes: {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      description: 'A personal API token (`hr_` and 43 characters), created in Settings → API tokens and shown once. Revoking it ends it at once.',
    },
  },
  parameters: {
    page: { name: 'page', in: 'query', description: 'Page number, from 1.', schema: { type: 'integer', minimum: 1, default: 1 } },
  },
  schemas: {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: [...API_ERROR_CODES] },
            message: { type: 'string', description: 'What was wrong, in words meant for a person.' },
            details: {
              type: 'array',
              description: 'For invalid queries and bodies: each problem, by the path of the field.',
              items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
    LookupResult: {
      type: 'object',
      required: [...Object.keys(answerFields), 'meaningfulName', 'lookedUpAt', 'fromCache', 'report'],
      properties: {
        ...answerFields,
        value: { type: 'string', description: 'The value looked up, normalised (lowercase hash, refanged host).' },
        type: { type: 'string', enum: [...LOOKUP_TYPES] },
        status: { type: 'string', enum: ['found', 'not_found', 'error'] },
        verdict: { type: 'string', enum: ['malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'error'] },
        meaningfulName: nullable('string', "Files: the file's name on VirusTotal."),
        lookedUpAt: { type: 'string', format: 'date-time', description: 'When VirusTotal was asked (for an error: when the lookup gave up).' },
        fromCache: { type: 'boolean', description: "True unless the answer was fetched for the caller's own lookup of this value." },
        report: { type: ['string', 'null'], description: 'The caller\'s "API lookups" report, when the value has a row there.' },
      },
    },
    Queued: {
      type: 'object',
      required: ['status', 'value', 'type', 'poll', 'report'],
      properties: {
        status: { type: 'string', enum: ['queued'] },
        value: { type: 'string' },
        type: { type: 'string', enum: [...LOOKUP_TYPES] },
        poll: { type: 'string', description: 'GET this until it answers 200.' },
        report: { type: 'string', description: 'The caller\'s "API lookups" report, where the value waits as a row.' },
      },
    },
    RefreshRequest: {
      type: 'object',
      required: ['value'],
      additionalProperties: false,
      properties: {
        value: { type: 'string', minLength: 1, maxLength: MAX_VALUE_CHARS },
        type: { type: 'string', enum: [...LOOKUP_TYPES] },
      },
    },
    CreateReportRequest: {
      type: 'object',
      required: ['values'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', maxLength: MAX_NAME_CHARS, description: 'Default: "API upload" and the time.' },
        values: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_REPORT_VALUES,
          description: 'One value per element (no line breaks); more than the maximum is 413.',
          items: { type: 'string', minLength: 1, maxLength: MAX_VALUE_CHARS },
        },
        notify: { type: 'boolean', description: 'Email the caller when the report completes (ignored when this install sends no email).' },
      },
    },
    Counts: countsSchema,
    Report: { type: 'object', required: Object.keys(reportProperties), properties: reportProperties },
    ReportItem: {
      type: 'object',
      description: 'One row, as the CSV and JSON exports give it.',
      required: ['line', 'input', ...Object.keys(answerFields), 'meaningfulName', 'lookedUpAt', 'fromCache'],
      properties: {
        line: { type: 'integer', minimum: 1, description: 'Line of the list (or position in `values`).' },
        input: { type: 'string', description: 'The line as sent (shortened past 200 characters).' },
        ...answerFields,
        meaningfulName: nullable('string', "Files: the file's name on VirusTotal."),
        lookedUpAt: { type: ['string', 'null'], format: 'date-time' },
        fromCache: nullable('boolean'),
      },
    },
    Pagination: {
      type: 'object',
      required: ['page', 'perPage', 'total', 'pages'],
      properties: {
        page: { type: 'integer', minimum: 1 },
        perPage: { type: 'integer', minimum: 1 },
        total: { type: 'integer', minimum: 0, description: 'Entries on all pages (rows matching the filter, for a report).' },
        pages: { type: 'integer', minimum: 1 },
      },
    },
    ReportList: {
      type: 'object',
      required: ['reports', 'pagination'],
      properties: { reports: { type: 'array', items: ref('Report') }, pagination: ref('Pagination') },
    },
    ReportWithItems: {
      type: 'object',
      required: [...Object.keys(reportProperties), 'items', 'pagination'],
      properties: { ...reportProperties, items: { type: 'array', items: ref('ReportItem') }, pagination: ref('Pagination') },
    },
  },
  responses: {
    Queued: {
      description: 'Queued: poll the `poll` link (also in `Location`) until it answers 200.',
      headers: {
        Location: { description: 'Where to poll.', schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds to wait before polling.', schema: { type: 'integer' } },
      },
      content: json(ref('Queued')),
    },
    BadRequest: { description: 'invalid_json, invalid_body, invalid_query or invalid_value.', content: json(ref('Error')) },
    Unauthorized: {
      description: 'missing_token, or invalid_token (unknown, revoked, or its account disabled or deleted).',
      headers: { 'WWW-Authenticate': { description: 'Bearer realm="Hash Report API" (with error="invalid_token" for a bad token).', schema: { type: 'string' } } },
      content: json(ref('Error')),
    },
    NotFound: { description: 'not_found: no such report of the caller\'s (another user\'s report is the same 404).', content: json(ref('Error')) },
    PayloadTooLarge: { description: 'too_large: the body is over its byte limit, or holds too many values.', content: json(ref('Error')) },
    UnsupportedMediaType: { description: 'unsupported_media_type: the body is not JSON (or text/plain where allowed), or not UTF-8.', content: json(ref('Error')) },
    TooManyRequests: {
      description: 'rate_limited: the caller\'s user made API_REQUESTS_PER_MINUTE calls in the last minute (or, on POST /api/v1/refresh, used today\'s FORCED_REFRESHES_PER_DAY).',
      headers: {
        'Retry-After': { description: 'Seconds until a call is allowed again.', schema: { type: 'integer' } },
        'RateLimit-Limit': { description: 'Calls allowed a minute.', schema: { type: 'integer' } },
        'RateLimit-Remaining': { description: 'Calls left in the current minute.', schema: { type: 'integer' } },
      },
      content: json(ref('Error')),
    },
    InternalError: { description: 'internal_error: logged under the request id the message (and X-Request-Id) gives.', content: json(ref('Error')) },
  },
};
