import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { CLAMD_MAX_SCAN_BYTES } from '@airlock/core';

export class ConfigError extends Error {
  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once, reporting every bad variable together. */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.output<Schema> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
    );
  }
  return result.data;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export const envBoolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const lower = value.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      ctx.addIssue({ code: 'custom', message: `expected a boolean, got "${value}"` });
      return z.NEVER;
    });

export const envInt = (fallback: number, min = 0) =>
  z.coerce.number().int().min(min).default(fallback);

export const optionalUrl = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value))
  .pipe(z.url().optional());

/** Comma-separated, read the way request-filtering-agent reads them (ipaddr.js). */
export const cidrList = z
  .string()
  .optional()
  .transform((value, ctx): string[] => {
    const entries = (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    for (const entry of entries) {
      if (!ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry)) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR` });
        return z.NEVER;
      }
    }
    return entries;
  });

/** SCAN_MAX_BYTES, read by the upload-api and the scanner alike: what clamd scans whole. */
export const scanMaxBytes = z.coerce
  .number()
  .int()
  .positive()
  .max(
    CLAMD_MAX_SCAN_BYTES,
    `ClamAV scans at most ${CLAMD_MAX_SCAN_BYTES} bytes (2 GiB − 3) whole, whatever MaxFileSize says`,
  )
  .optional();
