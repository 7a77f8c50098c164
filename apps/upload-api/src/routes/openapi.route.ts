import { Router } from 'express';
import { openApiDocument } from '../openapi/openapi-document.ts';

/** `GET /openapi.json`: the OpenAPI 3.1 description of this API, public like the health checks. */
export function openApiRoute(): Router {
  const body = JSON.stringify(openApiDocument);
  return Router().get('/openapi.json', (_req, res) => {
    res.type('application/json').send(body);
  });
}
