export { AdvisoryLock } from './advisory-lock.ts';
export {
  APP_DATABASE_ROLES,
  appLoginRole,
  DATABASE_APPS,
  databaseUrlAs,
  ensureAppLogin,
  isDatabaseApp,
  type DatabaseApp,
} from './app-logins.ts';
export {
  PgMessageFailures,
  type MessageFailure,
  type StoredMessageFailure,
} from './message-failures.adapter.ts';
export { migrate, MIGRATIONS_DIR } from './migrate.ts';
export { PgObjectIncidents, type ObjectIncident } from './object-incidents.adapter.ts';
export { createPool, isUniqueViolation, ping, type Pool } from './pool.ts';
export { PgRateLimitLeases, type RateLimitLease } from './rate-limit-leases.adapter.ts';
export { PgRetention, type RetentionAction, type RetentionPolicy } from './retention.adapter.ts';
export { PgSiteDirectory } from './site-directory.adapter.ts';
export {
  TENANCY_CHANNEL,
  TENANCY_LISTENER_NAME,
  TenancyCache,
  type TenancyCacheOptions,
  type TenancyLookups,
} from './tenancy-cache.ts';
export {
  PgTenantAdmin,
  type ApiKeyRow,
  type Caller,
  type Customer,
  type SiteRow,
} from './tenant-admin.adapter.ts';
export { PgUploadRepository, type TransitionRequest } from './upload-repository.adapter.ts';
export { PgUploadTokens, type MintedUploadToken } from './upload-tokens.adapter.ts';
export { PgUploadScans, type UploadScan, type VerdictMove } from './upload-scans.adapter.ts';
export { PgUploadRenditions, type Rendition } from './upload-renditions.adapter.ts';
export {
  PgExpiredUploads,
  type ExpiredUpload,
  type ExpiredUploadsQuery,
} from './expired-uploads.ts';
export { PgWebhookEndpoints, type WebhookEndpoint } from './webhook-endpoints.adapter.ts';
export {
  PgWebhookOutbox,
  type OutboxBacklog,
  type PendingWebhook,
  type WebhookAttempt,
  type WebhookDeliveryRecord,
} from './webhook-outbox.adapter.ts';
