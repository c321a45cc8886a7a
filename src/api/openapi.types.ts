// The part of OpenAPI 3.1 (and of JSON Schema 2020-12, which it uses) that the API's document needs,
// and builders for its references.

/** The part of JSON Schema (2020-12, as OpenAPI 3.1 uses it) this document needs. */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null' | Array<'string' | 'integer' | 'number' | 'boolean' | 'null' | 'array' | 'object'>;
  description?: string;
  format?: string;
  enum?: ReadonlyArray<string | number | null>;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
}

export interface Header {
  description: string;
  schema: JsonSchema;
}

export interface MediaType {
  schema: JsonSchema;
  example?: unknown;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}

export type ResponseOrRef = ResponseObject | { $ref: string };

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  description: string;
  required?: boolean;
  schema: JsonSchema;
  style?: 'form';
  explode?: boolean;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** An empty list: no token needed. */
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
  responses: Record<string, ResponseOrRef>;
}

export type HttpMethod = 'get' | 'post' | 'delete';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  security: Array<Record<string, string[]>>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    parameters: Record<string, Parameter>;
  };
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
export const nullable = (type: 'string' | 'integer' | 'boolean', description?: string): JsonSchema => ({ type: [type, 'null'], ...(description ? { description } : {}) });
export const json = (schema: JsonSchema, example?: unknown): Record<string, MediaType> => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
