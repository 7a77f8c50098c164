/**
 * Checks a real response against the OpenAPI document: the status must be
 * documented for the operation and the body must match its schema.
 *
 *   const res = await request(app).get(`/v1/uploads/${id}`).set(auth);
 *   expectMatchesOpenApi('get', '/v1/uploads/{uploadId}', res.status, res.body);
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { openApiDocument, type JsonSchema } from '../../src/openapi/openapi-document.ts';

// ajv-formats is CommonJS: imported from ESM, its default export is `module.exports`.
const addFormats = ajvFormats.default;

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The document's components ride along in each compiled schema so that
// `#/components/schemas/...` resolves exactly as it does in the document.
ajv.addKeyword({ keyword: 'components', schemaType: 'object' });

const compiled = new Map<string, ValidateFunction>();

/**
 * @param method - `get`, `POST`, ... (case-insensitive)
 * @param path - the document's path template, e.g. `/v1/uploads/{uploadId}`;
 *   a concrete path such as `/v1/uploads/0b4e...` is matched to its template.
 * @throws Error naming every mismatch when the status is not documented or the body does not match.
 */
export function expectMatchesOpenApi(
  method: string,
  path: string,
  status: number,
  body: unknown,
): void {
  const validate = validatorFor(method.toLowerCase(), path, status);
  if (!validate(body)) {
    const errors = (validate.errors ?? [])
      .map(
        ({ instancePath, message, params }) =>
          `body${instancePath} ${message ?? 'is invalid'} ${JSON.stringify(params)}`,
      )
      .join('\n  ');
    throw new Error(
      `${method.toUpperCase()} ${path} ${status}: the body does not match the OpenAPI document:\n  ${errors}\n` +
        `body: ${truncate(JSON.stringify(body, null, 2))}`,
    );
  }
}

function validatorFor(method: string, path: string, status: number): ValidateFunction {
  const template = templateOf(path);
  const key = `${method} ${template} ${status}`;
  const cached = compiled.get(key);
  if (cached) return cached;

  const operation = openApiDocument.paths[template]?.[method];
  if (!operation) {
    throw new Error(
      `${method.toUpperCase()} ${template} is not an operation of the OpenAPI document`,
    );
  }
  const response = operation.responses[String(status)];
  if (!response) {
    throw new Error(
      `${method.toUpperCase()} ${template} answered ${status}, which the OpenAPI document does not list ` +
        `(documented: ${Object.keys(operation.responses).join(', ')})`,
    );
  }
  const schema: JsonSchema | undefined = response.content?.['application/json']?.schema;
  if (!schema) {
    throw new Error(
      `${method.toUpperCase()} ${template} ${status} documents no application/json body`,
    );
  }
  const validate = ajv.compile({ ...schema, components: openApiDocument.components });
  compiled.set(key, validate);
  return validate;
}

function templateOf(path: string): string {
  if (openApiDocument.paths[path]) return path;
  const match = Object.keys(openApiDocument.paths).find((template) =>
    new RegExp(
      `^${template
        .split(/\{[^}]+\}/)
        .map(escapeRegExp)
        .join('[^/]+')}$`,
    ).test(path),
  );
  return match ?? path;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function truncate(text: string | undefined, max = 2000): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
