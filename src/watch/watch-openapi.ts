import type { JsonSchema, Operation, Parameter } from '../api/openapi.types.js';
import { json, nullable, ref, response } from '../api/openapi.types.js';

// Watched reports in the API's OpenAPI document (src/api/openapi.ts merges these in).

const errors = { '400': response('BadRequest'), '401': response('Unauthorized'), '404': response('NotFound'), '429': response('TooManyRequests'), '500': response('InternalError') };
const idParameter: Parameter = { name: 'id', in: 'path', required: true, description: 'The report id.', schema: { type: 'string' } };

const watchAnswer = { '200': { description: 'The watch as it is now.', content: json(ref('Watch')) }, ...errors };

export const watchPaths: Record<string, Partial<Record<'get' | 'post' | 'delete', Operation>>> = {
  '/api/v1/reports/{id}/watch': {
    post: {
      operationId: 'watchReport',
      summary: 'Watch a report: re-check its rows on a schedule and keep what changes',
      description:
        'The rows are looked up again every WATCH_RECHECK_HOURS (24 by default), inside the owner\'s WATCH_LOOKUPS_PER_DAY budget, answering first from the cache, ' +
        'and only when no interactive lookup waits. Each re-check that changes a row (verdict, not found → found, detections up by WATCH_DETECTIONS_UP, a new ' +
        'Fortinet name) is kept and emailed once. Watching a watched report changes nothing.',
      tags: ['reports'],
      parameters: [idParameter],
      responses: watchAnswer,
    },
    delete: {
      operationId: 'unwatchReport',
      summary: 'Stop watching a report',
      description: 'A re-check under way stops: rows still waiting keep their previous answer. The changes found so far stay.',
      tags: ['reports'],
      parameters: [idParameter],
      responses: watchAnswer,
    },
  },
  '/api/v1/reports/{id}/changes': {
    get: {
      operationId: 'reportChanges',
      summary: "A watched report's changes: each re-check that changed rows, newest first, before and after",
      tags: ['reports'],
      parameters: [idParameter],
      responses: { '200': { description: 'The watch and its re-checks with changes (the 50 newest).', content: json(ref('WatchChanges')) }, ...errors },
    },
  },
};

const answer: JsonSchema = {
  type: 'object',
  required: ['verdict', 'malicious', 'fortinet'],
  properties: { verdict: { type: 'string' }, malicious: nullable('integer', 'Engines that said malicious.'), fortinet: nullable('string') },
};

export const watchSchemas: Record<string, JsonSchema> = {
  Watch: {
    type: 'object',
    required: ['watching', 'checking', 'nextCheckAt', 'lastCheckAt', 'changes', 'links'],
    properties: {
      watching: { type: 'boolean' },
      checking: { type: 'boolean', description: 'A re-check is waiting for its answers now.' },
      nextCheckAt: { type: ['string', 'null'], format: 'date-time' },
      lastCheckAt: { type: ['string', 'null'], format: 'date-time' },
      changes: { type: 'integer', minimum: 0, description: 'Rows changed so far, all re-checks together.' },
      links: { type: 'object', required: ['changes', 'web'], properties: { changes: { type: 'string' }, web: { type: 'string' } } },
    },
  },
  WatchChanges: {
    type: 'object',
    required: ['watch', 'checks'],
    properties: {
      watch: ref('Watch'),
      checks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['startedAt', 'finishedAt', 'email', 'changes'],
          properties: {
            startedAt: { type: 'string', format: 'date-time' },
            finishedAt: { type: 'string', format: 'date-time' },
            email: { type: 'string', enum: ['pending', 'sent', 'failed'] },
            changes: {
              type: 'array',
              items: {
                type: 'object',
                required: ['line', 'input', 'kinds', 'before', 'after'],
                properties: {
                  line: { type: 'integer' },
                  input: { type: 'string' },
                  kinds: { type: 'array', items: { type: 'string', enum: ['verdict', 'found', 'detections', 'fortinet'] } },
                  before: answer,
                  after: answer,
                },
              },
            },
          },
        },
      },
    },
  },
};
