import { healthSchema, notReadySchema, readySchema } from '../http/health.responses.ts';
import type { OpenApiPaths } from './openapi.types.ts';
import { operation } from './operation.ts';
import { openApiDocumentSchema } from './schemas.ts';

/** Health, readiness and this document: public. */
export const operationsPaths: OpenApiPaths = {
  '/healthz': {
    get: operation({
      auth: 'public',
      operationId: 'health',
      tag: 'operations',
      summary: 'Liveness: the process answers',
      answers: { 200: { description: 'Alive.', body: healthSchema } },
    }),
  },
  '/readyz': {
    get: operation({
      auth: 'public',
      operationId: 'ready',
      tag: 'operations',
      summary: 'Readiness: every dependency answers',
      answers: {
        200: { description: 'Every check passed.', body: readySchema },
        503: { description: 'At least one check failed.', body: notReadySchema },
      },
    }),
  },
  '/openapi.json': {
    get: operation({
      auth: 'public',
      operationId: 'openApiDocument',
      tag: 'operations',
      summary: 'This document',
      answers: { 200: { description: 'The OpenAPI 3.1 document.', body: openApiDocumentSchema } },
    }),
  },
};
