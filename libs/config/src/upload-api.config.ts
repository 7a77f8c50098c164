import { z } from 'zod';
import {
  DEFAULT_EXPIRY_POLICY,
  DEFAULT_SIZE_LIMITS,
  effectiveSizeLimits,
  MAX_UPLOAD_BYTES,
  type Category,
  type FolderMode,
  type RequestUploadPolicy,
} from '@airlock/core';
import {
  awsEnv,
  bucketsEnv,
  databaseEnv,
  loggingEnv,
  toAwsConfig,
  type AwsConfig,
} from './common.config.ts';
import { multipartEnv, toMultipartPolicy } from './multipart.config.ts';
import { cidrList, envBoolean, envInt, parseEnv, scanMaxBytes } from './parse-env.ts';

/** A category's size limit: at least 1 byte, at most S3's single-PUT ceiling (5 GiB). */
const categoryLimit = (fallback: number) =>
  envInt(fallback, 1).pipe(
    z.number().max(MAX_UPLOAD_BYTES, `at most ${MAX_UPLOAD_BYTES} bytes (5 GiB)`),
  );

const CATEGORIES: readonly Category[] = ['images', 'documents', 'text', 'video'];

/** Comma-separated category names (`video,documents`); empty by default. */
const categoryList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const names = (value ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = names.filter((name) => !CATEGORIES.includes(name as Category));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown categor${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ')} (expected ${CATEGORIES.join(', ')})`,
      });
      return z.NEVER;
    }
    return [...new Set(names)] as Category[];
  });

const uploadApiEnv = z
  .object({
    HOST: z.string().default('0.0.0.0'),
    PORT: envInt(3000),
    // /metrics, /healthz and /readyz on a port of their own, never the public one.
    METRICS_HOST: z.string().default('0.0.0.0'),
    METRICS_PORT: envInt(9400),
    TRUST_PROXY: envBoolean(false),
    FOLDER_MODE: z.enum(['hmac', 'md5-compat']).default('hmac'),
    FOLDER_SECRET: z.string().optional(),
    FOLDER_HASH_LENGTH: envInt(32, 16).pipe(z.number().max(64)),
    // Dedup is per customer, always. `global` (one upload row per hash across
    // customers) revealed another customer's upload id, state and folder to
    // anyone holding the hash, and let one customer's pending upload block
    // another's: it is refused so that no deployment keeps it by accident.
    DEDUP_SCOPE: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === '' || value === 'customer') return 'customer';
        ctx.addIssue({
          code: 'custom',
          message:
            value === 'global'
              ? 'global is no longer supported: it revealed uploads across customers (id, state, ' +
                'folder) and let one customer block another. Dedup is per customer; remove the ' +
                'variable or set it to customer'
              : `expected customer (the only dedup scope), got "${value}"`,
        });
        return z.NEVER;
      }),
    MAX_IMAGE_BYTES: categoryLimit(DEFAULT_SIZE_LIMITS.images),
    MAX_DOCUMENT_BYTES: categoryLimit(DEFAULT_SIZE_LIMITS.documents),
    MAX_TEXT_BYTES: categoryLimit(DEFAULT_SIZE_LIMITS.text),
    MAX_VIDEO_BYTES: categoryLimit(DEFAULT_SIZE_LIMITS.video),
    UPLOAD_URL_MIN_SECONDS: envInt(DEFAULT_EXPIRY_POLICY.minSeconds, 1),
    UPLOAD_URL_FLOOR_BYTES_PER_SECOND: envInt(DEFAULT_EXPIRY_POLICY.floorBytesPerSecond, 1),
    UPLOAD_URL_MAX_SECONDS: envInt(DEFAULT_EXPIRY_POLICY.maxSeconds, 1).pipe(
      z.number().max(604800, 'S3 presigned URLs live at most 7 days'),
    ),
    RATE_LIMIT_PER_MINUTE: envInt(600, 1),
    // The per-key budget holds across every API process (leased in slices
    // from PostgreSQL); false: each process counts alone (N processes, N × the limit).
    RATE_LIMIT_SHARED: envBoolean(true),
    // Requests that fail authentication (401), per client IP: past this many a
    // minute the IP gets 429 before its key is even looked up.
    AUTH_FAILURES_PER_IP_PER_MINUTE: envInt(60, 1),
    // The largest object the virus scanner reads whole (clamd's MaxFileSize,
    // StreamMaxLength): nothing bigger is accepted, since it could only be
    // quarantined or held unscanned, unless its category is named in
    // SCAN_OVERSIZE_CATEGORIES. ClamAV 1.4 scans at most 2 GiB − 3 bytes whole.
    SCAN_MAX_BYTES: scanMaxBytes,
    // Categories accepted above SCAN_MAX_BYTES (up to their MAX_*_BYTES): such
    // uploads are never sent to clamd and never become clean; the scanner
    // quarantines them, or holds them at verified under SCAN_LIMITS_POLICY=hold.
    SCAN_OVERSIZE_CATEGORIES: categoryList,
    DOWNLOAD_URL_SECONDS: envInt(300, 1).pipe(z.number().max(604800)),
    WEBHOOK_ALLOW_HTTP: envBoolean(false),
    // The notifier's allow-list, so that registration refuses what delivery would.
    WEBHOOK_ALLOWED_CIDRS: cidrList,
  })
  .extend(multipartEnv.shape)
  .extend(loggingEnv.shape)
  .extend(databaseEnv.shape)
  .extend(awsEnv.shape)
  .extend(bucketsEnv.shape)
  .refine((env) => env.FOLDER_MODE !== 'hmac' || (env.FOLDER_SECRET?.length ?? 0) >= 32, {
    path: ['FOLDER_SECRET'],
    message: 'required (at least 32 characters) when FOLDER_MODE=hmac',
  })
  .refine((env) => env.SCAN_OVERSIZE_CATEGORIES.length === 0 || env.SCAN_MAX_BYTES !== undefined, {
    path: ['SCAN_OVERSIZE_CATEGORIES'],
    message: 'needs SCAN_MAX_BYTES: without it every size is sent to the scanner',
  });

export type UploadApiConfig = {
  readonly http: { host: string; port: number; trustProxy: boolean };
  /** The metrics and probe port, apart from public traffic. @defaultValue 0.0.0.0:9400 */
  readonly metrics: { host: string; port: number };
  readonly logLevel: string;
  readonly databaseUrl: string;
  readonly aws: AwsConfig;
  readonly uploads: RequestUploadPolicy;
  readonly rateLimitPerMinute: number;
  /** The per-key limit holds across API processes (PostgreSQL leases). @defaultValue true */
  readonly rateLimitShared: boolean;
  /** Failed authentications (401) per client IP per minute before 429. @defaultValue 60 */
  readonly authFailuresPerIpPerMinute: number;
  /** Lifetime of signed download URLs. @defaultValue 300 */
  readonly downloadUrlSeconds: number;
  /** Webhook URLs may use plain http (local receivers only). @defaultValue false */
  readonly webhookAllowHttp: boolean;
  /**
   * Addresses or CIDRs a webhook URL may name although not public unicast, as
   * for the notifier (WEBHOOK_ALLOWED_CIDRS). @defaultValue none
   */
  readonly webhookAllowedCidrs: readonly string[];
};

export function loadUploadApiConfig(env: NodeJS.ProcessEnv = process.env): UploadApiConfig {
  const parsed = parseEnv(uploadApiEnv, env);
  const folder: FolderMode =
    parsed.FOLDER_MODE === 'md5-compat'
      ? { mode: 'md5-compat' }
      : { mode: 'hmac', secret: parsed.FOLDER_SECRET!, length: parsed.FOLDER_HASH_LENGTH };
  return Object.freeze({
    http: { host: parsed.HOST, port: parsed.PORT, trustProxy: parsed.TRUST_PROXY },
    metrics: { host: parsed.METRICS_HOST, port: parsed.METRICS_PORT },
    logLevel: parsed.LOG_LEVEL,
    databaseUrl: parsed.DATABASE_URL,
    aws: toAwsConfig(parsed),
    uploads: {
      bucket: parsed.UPLOADS_BUCKET,
      folder,
      sizeLimits: effectiveSizeLimits(
        {
          images: parsed.MAX_IMAGE_BYTES,
          documents: parsed.MAX_DOCUMENT_BYTES,
          text: parsed.MAX_TEXT_BYTES,
          video: parsed.MAX_VIDEO_BYTES,
        },
        {
          scanMaxBytes: parsed.SCAN_MAX_BYTES,
          oversizeCategories: parsed.SCAN_OVERSIZE_CATEGORIES,
        },
      ),
      expiry: {
        minSeconds: parsed.UPLOAD_URL_MIN_SECONDS,
        floorBytesPerSecond: parsed.UPLOAD_URL_FLOOR_BYTES_PER_SECOND,
        maxSeconds: parsed.UPLOAD_URL_MAX_SECONDS,
      },
      multipart: toMultipartPolicy(parsed),
    },
    rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE,
    rateLimitShared: parsed.RATE_LIMIT_SHARED,
    authFailuresPerIpPerMinute: parsed.AUTH_FAILURES_PER_IP_PER_MINUTE,
    downloadUrlSeconds: parsed.DOWNLOAD_URL_SECONDS,
    webhookAllowHttp: parsed.WEBHOOK_ALLOW_HTTP,
    webhookAllowedCidrs: parsed.WEBHOOK_ALLOWED_CIDRS,
  });
}
