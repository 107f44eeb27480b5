import { PEFTKIT_VERSION } from '../plugin/version.js';

const error = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;
const adapterInfo = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    loaded: { type: 'boolean' },
    bytes: {
      type: 'integer',
      description:
        'tensor bytes the adapter added to the model when last loaded (what counts against --adapter-budget-mb); before its first load, the size of adapter_model.safetensors',
    },
  },
} as const;

/** JSON schema of the `POST /v1/predict` body (also what fastify validates requests against). */
export function predictBodySchema(maxInputs: number) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['inputs'],
    properties: {
      adapter: { type: 'string', minLength: 1, description: 'one adapter for every input' },
      adapters: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        maxItems: maxInputs,
        description: 'one adapter per input (or "base" for the base model without adapter)',
      },
      inputs: {
        type: 'array',
        minItems: 1,
        maxItems: maxInputs,
        items: { type: ['string', 'object', 'array'] },
        description:
          'what `peftkit predict` takes on the command line: a row, a text, a path, as the preprocessor parses it; a JSON object or array (e.g. a robot observation) is handed over as its JSON text',
      },
    },
  } as const;
}

/** JSON schema of the `POST /v1/adapters` body. */
export const addAdapterBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'path'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    path: { type: 'string', minLength: 1, description: 'a directory inside the adapters dir' },
  },
} as const;

/** The OpenAPI 3.1 document served at `/openapi.json`. */
export function openApiDocument(maxInputs: number): Record<string, unknown> {
  const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
  const errors = {
    '400': { description: 'invalid request', ...json(error) },
    '401': { description: 'missing or wrong bearer token', ...json(error) },
    '404': { description: 'unknown adapter', ...json(error) },
    '409': { description: 'adapter incompatible with the shared base, or already exists', ...json(error) },
    '413': { description: 'body larger than --max-body-bytes', ...json(error) },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'peftkit serve', version: PEFTKIT_VERSION },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/predict': {
        post: {
          summary: 'Predict for inputs, each through its adapter; requests are batched across adapters',
          requestBody: { required: true, ...json(predictBodySchema(maxInputs)) },
          responses: {
            '200': {
              description: 'one prediction per input, as `peftkit predict --json`',
              ...json({
                type: 'object',
                properties: {
                  predictions: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        input: { type: 'string' },
                        adapter: { type: 'string' },
                        label: { type: 'string' },
                        probabilities: { type: 'object', additionalProperties: { type: 'number' } },
                        value: {},
                      },
                    },
                  },
                },
              }),
            },
            ...errors,
            '504': { description: 'the request timed out', ...json(error) },
          },
        },
      },
      '/v1/adapters': {
        get: {
          summary: 'Adapters the server knows, and which are loaded',
          responses: {
            '200': {
              description: 'adapters',
              ...json({ type: 'object', properties: { adapters: { type: 'array', items: adapterInfo } } }),
            },
          },
        },
        post: {
          summary: 'Load an adapter directory from inside the adapters dir',
          requestBody: { required: true, ...json(addAdapterBodySchema) },
          responses: { '201': { description: 'loaded', ...json(adapterInfo) }, ...errors },
        },
      },
      '/v1/adapters/{name}': {
        delete: {
          summary: 'Unload and forget an adapter',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '204': { description: 'removed' }, ...errors },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness (no auth)', security: [], responses: { '200': { description: 'ok' } } },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text/plain exposition format' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}
