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
          'what `peftkit predict` takes on the command line: a row, a text, a path, as the preprocessor parses it; a JSON object or array (e.g. a robot observation) is handed over as its JSON text; file bytes (an image, a WAV) as {"base64": "...", "mediaType": "image/png"} (mediaType read from the bytes when absent) or a base64 data: URL string, for preprocessors that take bytes',
      },
    },
  } as const;
}

/** A `{ base64, mediaType? }` input (documentation: fastify validates inputs as any object). */
const base64Input = {
  type: 'object',
  additionalProperties: false,
  required: ['base64'],
  properties: {
    base64: { type: 'string', contentEncoding: 'base64', description: 'the file bytes' },
    mediaType: { type: 'string', description: 'e.g. image/png, audio/wav; read from the bytes when absent' },
    name: { type: 'string', description: 'a name for messages and the answer' },
  },
} as const;

/** The `multipart/form-data` body of `POST /v1/predict`. */
function multipartPredictSchema(maxInputs: number) {
  return {
    type: 'object',
    required: ['file'],
    properties: {
      adapter: { type: 'string', description: 'one adapter for every file' },
      adapters: {
        type: 'array',
        items: { type: 'string' },
        description: 'one adapters field per file, in file order (or "base")',
      },
      file: {
        type: 'array',
        maxItems: maxInputs,
        items: { type: 'string', contentMediaType: 'application/octet-stream' },
        description:
          "file parts (any field name), one input each; a part's Content-Type says its media type, read from its bytes when absent or application/octet-stream",
      },
    },
  } as const;
}

/** Size limits the OpenAPI document states. */
export interface DocumentedLimits {
  readonly maxBodyBytes: number;
  readonly maxFileBytes: number;
  readonly maxUploadBytes: number;
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
export function openApiDocument(maxInputs: number, limits: DocumentedLimits): Record<string, unknown> {
  const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
  const errors = {
    '400': { description: 'invalid request', ...json(error) },
    '401': { description: 'missing or wrong bearer token', ...json(error) },
    '404': { description: 'unknown adapter', ...json(error) },
    '409': { description: 'adapter incompatible with the shared base, or already exists', ...json(error) },
    '413': { description: 'body larger than --max-body-bytes', ...json(error) },
  };
  const predictErrors = {
    ...errors,
    '413': {
      description: `JSON body over ${limits.maxBodyBytes} bytes (--max-body-bytes), a file over ${limits.maxFileBytes} bytes (--max-file-bytes), files of one request over ${limits.maxUploadBytes} bytes (--max-upload-bytes), or too many parts`,
      ...json(error),
    },
    '415': {
      description:
        "a file whose media type the adapter's preprocessor does not take (or bytes for a preprocessor that takes text), or a body neither JSON nor multipart",
      ...json(error),
    },
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
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  ...predictBodySchema(maxInputs),
                  properties: {
                    ...predictBodySchema(maxInputs).properties,
                    inputs: {
                      ...predictBodySchema(maxInputs).properties.inputs,
                      items: {
                        anyOf: [{ type: 'string' }, base64Input, { type: 'object' }, { type: 'array' }],
                      },
                    },
                  },
                },
              },
              'multipart/form-data': { schema: multipartPredictSchema(maxInputs) },
            },
          },
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
                        input: {
                          description:
                            'the input as sent; for a file {name, mediaType, bytes} (its size), never the bytes',
                        },
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
            ...predictErrors,
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
