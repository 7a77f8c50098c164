import { uploadTokenSchema } from '../http/upload-token.responses.ts';
import { mintUploadTokenBody } from '../http/upload-token.schemas.ts';
import type { OpenApiPaths } from './openapi.types.ts';
import { operation } from './operation.ts';

/** Minting and revoking a browser's upload tokens. */
export const uploadTokensPaths: OpenApiPaths = {
  '/v1/upload-tokens': {
    post: operation({
      auth: 'key',
      operationId: 'createUploadToken',
      tag: 'upload tokens',
      summary: 'Mint a short-lived upload token for a browser page (API key only)',
      description:
        'A customer’s server mints, with its API key, a token for one of its sites and hands it ' +
        'to a page. With `Authorization: Bearer ut_…` the page may only create uploads (for the ' +
        'token’s site, types, size and count), sign and list their parts, complete, cancel and ' +
        'read them: only the uploads that token created. A token’s uploads dedup only among ' +
        'themselves and have their own object keys: a hash never hands a token the customer’s ' +
        'other uploads. Browser requests must come from one of the site’s allowed origins (and ' +
        'the token’s `origin` when set); CORS is answered for those origins only, and never for ' +
        'API-key calls. Expired, revoked, unknown or malformed tokens, and tokens whose API key ' +
        'was revoked, are 401. An upload token cannot mint tokens (403).',
      requestBody: mintUploadTokenBody,
      answers: { 201: { description: 'The token, shown this once.', body: uploadTokenSchema } },
      errors: ['invalid_request', 'site_not_found'],
    }),
  },
  '/v1/upload-tokens/{tokenId}': {
    delete: operation({
      auth: 'key',
      operationId: 'revokeUploadToken',
      tag: 'upload tokens',
      summary: 'Revoke an upload token at once (API key only)',
      description:
        'The token is refused (401) from now on, and bytes sent afterwards through URLs it was ' +
        'given are refused by the verifier (`issuer_revoked`). Revoking the API key that minted ' +
        'a token revokes the token too.',
      parameters: [
        {
          name: 'tokenId',
          in: 'path',
          required: true,
          description:
            'Anything that is not the id of one of the customer’s live tokens is 404 ' +
            '`upload_token_not_found`.',
          schema: { type: 'string', format: 'uuid' },
        },
      ],
      answers: { 204: { description: 'Revoked.' } },
      errors: ['upload_token_not_found'],
    }),
  },
};
