import type { PartUrl, Upload } from '@airlock/client';

/** Every refusal of the v1 API (docs/api.md): `{ error: { code, message, details } }`. */
export type ApiError = {
  code: string;
  message: string;
  details: {
    /** A body that failed its schema: zod's issues. */
    issues: Array<{ path: string; message: string }>;
    /** A size or count past a limit. */
    limit: number;
    /** The content types or origins allowed instead. */
    allowed: string[];
    uploadId: string;
    [detail: string]: unknown;
  };
};

/**
 * A JSON answer of the v1 API as the tests read it, once they have checked its
 * status: the fields of its answers in one type, from the client's contract
 * (@airlock/client). A misspelt or mistyped field fails to compile, which
 * `any` let through; which fields one answer really has is the OpenAPI
 * document's to say, and the openapi tests check every answer against it.
 */
export type ApiAnswer = Upload & {
  downloads: NonNullable<Upload['downloads']>;
  duplicate: true;
  /** `POST /v1/uploads`: a presigned PUT, a form POST, or the plan of a multipart upload. */
  upload: {
    method: 'PUT' | 'POST' | 'MULTIPART';
    url: string;
    headers: Record<string, string>;
    fields: Record<string, string>;
    partSize: number;
    partCount: number;
    expiresAt: string;
  };
  /** `POST /v1/uploads/:id/parts` (URLs) and `GET` (the parts stored). */
  parts: Array<PartUrl & { size: number; etag: string }>;
  partSize: number;
  partCount: number;
  /** `/readyz` */
  checks: { postgres: { ok: boolean }; s3: { ok: boolean } };
  /** `/v1/webhook` */
  url: string;
  secret: string;
  /** `POST /v1/upload-tokens` */
  tokenId: string;
  token: string;
  contentTypes: string[] | null;
  maxSize: number | null;
  maxUploads: number;
  origin: string | null;
  error: ApiError;
};
