import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { Express } from 'express';
import type { z } from 'zod';
import { ALLOWED_TYPES, DEFAULT_SIZE_LIMITS, ERROR_STATUS, UPLOAD_STATES } from '@airlock/core';
import { pino } from 'pino';
import { createApp } from '../app.ts';
import * as errorResponses from '../http/error.responses.ts';
import * as healthResponses from '../http/health.responses.ts';
import * as partsResponses from '../http/parts.responses.ts';
import * as requestedUploadResponses from '../http/requested-upload.responses.ts';
import * as uploadTokenResponses from '../http/upload-token.responses.ts';
import * as uploadResponses from '../http/upload.responses.ts';
import * as webhookResponses from '../http/webhook.responses.ts';
import { openApiRoute } from '../routes/openapi.route.ts';
import { openApiDocument } from './openapi-document.ts';
import { schemaFor } from './schemas.ts';

// ajv-formats is CommonJS: imported from ESM, its default export is `module.exports`.
const addFormats = ajvFormats.default;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Construction does no I/O: every dependency only has to exist. */
function buildApp(): Express {
  const unused = () => {
    throw new Error('not called at construction');
  };
  return createApp(
    {
      logger: pino({ enabled: false }),
      authenticate: async () => undefined,
      requestUpload: unused,
      uploadActions: { signParts: unused, listParts: unused, complete: unused, cancel: unused },
      uploads: { findWithHistory: async () => undefined },
      downloads: { describe: unused, contentUrl: unused },
      webhooks: { put: unused, find: unused, remove: unused },
      newWebhookSecret: unused,
      readiness: [],
      uploadTokens: { mint: unused, revoke: unused },
      sizeLimits: DEFAULT_SIZE_LIMITS,
      allowedOrigins: { allows: unused },
    },
    {
      rateLimitPerMinute: 600,
      authFailuresPerIpPerMinute: 60,
      trustProxy: false,
      webhookUrls: { allowHttp: false, allowedCidrs: [] },
    },
  );
}

type Layer = {
  readonly slash?: boolean;
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly Layer[] };
};

/** `METHOD /path` of every route, walking routers mounted with `app.use` (express 5). */
function routesOf(stack: readonly Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      return paths.flatMap((path) => {
        if (typeof path !== 'string') throw new Error(`route path ${String(path)} is not a string`);
        return Object.entries(layer.route?.methods ?? {})
          .filter(([method, on]) => on && method !== '_all')
          .map(([method]) => `${method.toUpperCase()} ${prefix}${path}`);
      });
    }
    if (layer.handle?.stack) {
      if (!layer.slash && typeof layer.rawPath !== 'string') {
        throw new Error(`router mounted at ${String(layer.rawPath)}: cannot list its routes`);
      }
      return routesOf(
        layer.handle.stack,
        layer.slash ? prefix : `${prefix}${layer.rawPath as string}`,
      );
    }
    return [];
  });
}

const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(
      structuredClone(openApiDocument) as Record<string, unknown>,
    );
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has component schemas that compile as JSON Schema 2020-12 in strict mode', () => {
    const ajv = new Ajv2020({ strict: true });
    addFormats(ajv);
    ajv.addKeyword({ keyword: 'components', schemaType: 'object' });
    for (const name of Object.keys(openApiDocument.components.schemas)) {
      expect(() =>
        ajv.compile({
          $ref: `#/components/schemas/${name}`,
          components: openApiDocument.components,
        }),
      ).not.toThrow();
    }
  });

  it('describes exactly the routes the app serves', () => {
    const app = buildApp() as Express & { router: { stack: Layer[] } };
    const served = routesOf(app.router.stack)
      .map((route) => toOpenApiPath(route))
      .sort();
    const documented = Object.entries(openApiDocument.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => HTTP_METHODS.includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(served.length).toBeGreaterThan(0);
    expect(documented).toEqual(served);
  });

  it('documents every path parameter of every templated path', () => {
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item)) {
        const declared = (operation.parameters ?? [])
          .filter((p): p is { in: string; name: string } => (p as { in?: string }).in === 'path')
          .map((p) => p.name);
        expect(declared.sort()).toEqual(names.sort());
      }
    }
  });

  it('lists every error code, and only those', () => {
    expect(openApiDocument.components.schemas['ErrorCode']?.['enum']).toEqual(
      Object.keys(ERROR_STATUS),
    );
  });

  it('documents each error code under the status it is sent with', () => {
    for (const item of Object.values(openApiDocument.paths)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content?.['application/json']?.schema as
            | {
                allOf?: [
                  unknown,
                  { properties: { error: { properties: { code: { enum: string[] } } } } },
                ];
              }
            | undefined;
          const codes = schema?.allOf?.[1].properties.error.properties.code.enum ?? [];
          for (const code of codes) {
            expect([code, ERROR_STATUS[code as keyof typeof ERROR_STATUS]]).toEqual([
              code,
              Number(status),
            ]);
          }
        }
      }
    }
  });

  it('documents every response schema the presenters are typed by', () => {
    const modules = [
      errorResponses,
      healthResponses,
      partsResponses,
      requestedUploadResponses,
      uploadTokenResponses,
      uploadResponses,
      webhookResponses,
    ];
    const schemas = modules.flatMap((module) =>
      Object.entries(module).filter(([name]) => name.endsWith('Schema')),
    );
    expect(schemas.length).toBeGreaterThanOrEqual(20);
    const undocumented = schemas.filter(([, schema]) => {
      try {
        return !schemaFor(schema as z.ZodType);
      } catch {
        return true;
      }
    });
    expect(undocumented.map(([name]) => name)).toEqual([]);
    expect(() => schemaFor(uploadResponses.uploadSchema.pick({ key: true }))).toThrow(
      /not one of the document’s schemas/,
    );
  });

  it('takes upload states from the state machine', () => {
    expect(openApiDocument.components.schemas['UploadState']?.['enum']).toEqual([...UPLOAD_STATES]);
  });

  it('derives the request body from the zod schema and names every accepted type', () => {
    const body = openApiDocument.components.schemas['CreateUploadRequest'] as {
      $schema?: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string }>;
    };
    expect(body.$schema).toBeUndefined();
    // siteId is required of an API key by the route (400 at `siteId`), optional with a token.
    expect(body.required.sort()).toEqual(['contentType', 'fileName', 'sha256', 'size']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(
      [
        'contentType',
        'customerId',
        'fileName',
        'form',
        'multipart',
        'sha256',
        'siteId',
        'size',
      ].sort(),
    );
    for (const { contentType } of ALLOWED_TYPES) {
      expect(body.properties['contentType']?.description).toContain(contentType);
    }
  });

  it('requires the bearer API key on /v1 and nowhere else; a token only where listed', () => {
    expect(openApiDocument.components.securitySchemes['bearerAuth']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(openApiDocument.components.securitySchemes['uploadToken']).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(openApiDocument.security).toEqual([{ bearerAuth: [] }]);
    for (const [path, item] of Object.entries(openApiDocument.paths)) {
      for (const operation of Object.values(item)) {
        if (path.startsWith('/v1/')) {
          if (operation.security !== undefined) {
            expect(operation.security).toEqual([{ bearerAuth: [] }, { uploadToken: [] }]);
          }
          expect(operation.responses['401']).toBeDefined();
          // A token on an operation it may not use, or from an origin it may not be used from.
          expect(operation.responses['403']).toBeDefined();
        } else {
          expect(operation.security).toEqual([]);
        }
      }
    }
  });

  it('lets upload tokens call exactly the operations on their own uploads', () => {
    const withToken = Object.values(openApiDocument.paths)
      .flatMap((item) => Object.values(item))
      .filter((operation) => operation.security?.some((scheme) => 'uploadToken' in scheme))
      .map((operation) => operation.operationId)
      .sort();
    expect(withToken).toEqual(
      [
        'cancelUpload',
        'completeUpload',
        'createUpload',
        'getUpload',
        'getUploadContent',
        'listUploadParts',
        'signUploadParts',
      ].sort(),
    );
  });

  it('is served at GET /openapi.json', () => {
    const [layer] = (openApiRoute() as unknown as { stack: Layer[] }).stack;
    expect(layer?.route?.path).toBe('/openapi.json');
    expect(layer?.route?.methods).toEqual({ get: true });
    const handler = (
      layer?.route as unknown as { stack: { handle: (...args: unknown[]) => void }[] }
    ).stack[0];
    const sent: { type?: string; body?: string } = {};
    const res = {
      type(type: string) {
        sent.type = type;
        return res;
      },
      send(body: string) {
        sent.body = body;
        return res;
      },
    };
    handler?.handle({}, res, () => undefined);
    expect(sent.type).toBe('application/json');
    expect(JSON.parse(sent.body ?? 'null')).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
  });
});
