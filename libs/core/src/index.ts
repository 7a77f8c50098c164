export { AppError, Errors, ERROR_STATUS, type ErrorCode } from './errors.ts';
export {
  apiKeyMatches,
  hashApiKey,
  issueApiKey,
  parseApiKey,
  type IssuedApiKey,
} from './api-key.ts';
export {
  DEFAULT_EXPIRY_POLICY,
  uploadUrlLifetimeSeconds,
  type ExpiryPolicy,
} from './expiry-policy.ts';
export { objectKey, tenantFolder, tokenObjectKey, type FolderMode } from './key-layout.ts';
export {
  callerMaySee,
  hashUploadToken,
  issueUploadToken,
  looksLikeUploadToken,
  normalizeOrigin,
  parseUploadToken,
  tokenAllowsOrigin,
  tokenDedupScope,
  tokenExhausted,
  tokenUploadRefusal,
  UPLOAD_TOKEN_DEFAULT_MAX_UPLOADS,
  UPLOAD_TOKEN_DEFAULT_TTL_SECONDS,
  UPLOAD_TOKEN_MAX_TTL_SECONDS,
  UPLOAD_TOKEN_MAX_UPLOADS,
  uploadTokenLimits,
  uploadTokenMatches,
  type IssuedUploadToken,
  type MintUploadTokenInput,
  type UploadCaller,
  type UploadTokenGrant,
  type UploadTokenLimits,
} from './upload-tokens/upload-token.ts';
export {
  ALLOWED_TYPES,
  DEFAULT_SIZE_LIMITS,
  findAllowedType,
  MAX_UPLOAD_BYTES,
  type AllowedType,
  type Category,
  type SizeLimits,
} from './type-policy.ts';
export {
  allowedSources,
  AWAITING_CONFIRMATION_STATES,
  canTransition,
  CONFIRMED_STATES,
  DEAD_STATES,
  isConfirmed,
  isServable,
  isTerminal,
  LIVE_STATES,
  SERVABLE_STATES,
  TERMINAL_STATES,
  UPLOAD_STATES,
  type UploadState,
} from './upload-state.ts';
export {
  createRequestUpload,
  type RequestUpload,
  type RequestUploadDependencies,
  type RequestUploadInput,
  type RequestUploadPolicy,
  type RequestUploadResult,
} from './uploads/request-upload.ts';
export { checkFileName, MAX_FILE_NAME_BYTES, type FileNameCheck } from './uploads/file-name.ts';
export {
  checkStoredParts,
  chooseUploadMethod,
  DEFAULT_MULTIPART_POLICY,
  MAX_PART_COUNT,
  MAX_PARTS_PER_CALL,
  MAX_SINGLE_REQUEST_BYTES,
  MIN_PART_SIZE,
  partClaimIssues,
  planParts,
  plannedPartSize,
  type MultipartPolicy,
  type PartPlan,
  type StoredPart,
  type UploadMethod,
} from './uploads/multipart-plan.ts';
export {
  createUploadActions,
  type ListedParts,
  type PartRequest,
  type SignedPart,
  type UploadActions,
  type UploadActionsDependencies,
  type UploadActionsPolicy,
} from './uploads/multipart-uploads.ts';
export type {
  DownloadUrlSigner,
  FormPostSigner,
  MultipartRecord,
  MultipartStore,
  MultipartTarget,
  PresignedPost,
  PresignGetRequest,
  PresignedRequest,
  PresignPartRequest,
  PresignPutRequest,
  SiteDirectory,
  UploadRepository,
  UploadTokenCounter,
  UploadUrlSigner,
} from './uploads/upload.ports.ts';
export type { NewUpload, Site, Upload, UploadTransition } from './uploads/upload.types.ts';
export {
  decodeNotificationKey,
  parseS3Notification,
  s3NotificationSchema,
  type S3Notification,
  type S3ObjectEvent,
} from './contracts/s3-notification.ts';
export { judgedContentType, type JobSubject } from './contracts/job-subject.ts';
export {
  mediaRequested,
  mediaRequestedSchema,
  type MediaRequested,
} from './contracts/media-job.ts';
export {
  webhookDelivery,
  webhookDeliverySchema,
  type WebhookDeliveryJob,
} from './contracts/webhook-job.ts';
export {
  isWebhookState,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_STATES,
  webhookPayload,
  type WebhookEventSource,
  type WebhookEventType,
  type WebhookPayload,
  type WebhookState,
} from './webhooks/webhook-event.ts';
export {
  literalAddressOf,
  parseWebhookUrl,
  WEBHOOK_DENIED_CIDRS,
  webhookAddressRefusal,
  type WebhookUrlPolicy,
} from './webhooks/webhook-url.ts';
export {
  scanRequested,
  scanRequestedSchema,
  type ScanJob,
  type ScanRequested,
} from './contracts/scan-job.ts';
export {
  decideAfterScan,
  type LimitsPolicy,
  type ScanDecision,
  type ScanResult,
} from './scanning/scan-policy.ts';
export {
  CLAMD_MAX_SCAN_BYTES,
  effectiveSizeLimits,
  exceedsScanLimit,
  SCAN_MAX_BYTES_SIGNATURE,
  type ScanSizePolicy,
} from './scanning/size-policy.ts';
export { parseMessage } from './messaging/parse-message.ts';
export {
  PermanentFailure,
  type MessageContext,
  type MessageHandler,
  type MessageOutcome,
} from './messaging/outcomes.ts';
export {
  judgeObject,
  type DeclaredObject,
  type Judgement,
  type MeasuredObject,
  type RejectionReason,
} from './verification/judge-object.ts';
export { unsignedMetadata, type StoredObjectHeaders } from './verification/object-metadata.ts';
export {
  createDownloadLinks,
  type DownloadLinks,
  type DownloadLinksDependencies,
  type Downloads,
  type RenditionDirectory,
} from './downloads/download-links.ts';
export type {
  MediaFailurePolicy,
  NewObject,
  ObjectIncident,
  ObjectIncidents,
  ObjectRef,
  ObjectStore,
  OpenedObject,
  OpenOptions,
  PendingWebhook,
  PriorVerdict,
  Rendition,
  TransitionRequest,
  UploadProgress,
  UploadRenditions,
  UploadScan,
  UploadScans,
  VerdictKey,
  VerdictMove,
  VersionedRef,
  WebhookAttempt,
  WebhookOutbox,
} from './workers/worker.ports.ts';
export {
  NO_PIPELINE_METRICS,
  secondsSince,
  type PipelineMetrics,
  type VerdictSource,
  type WebhookDeliveryOutcome,
} from './workers/pipeline-metrics.ts';
