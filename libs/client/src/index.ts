export {
  AirlockApi,
  type ApiOptions,
  type Authorization,
  type CreateUploadRequest,
  type CreateUploadResponse,
  type MultipartPlan,
  type PartUrl,
  type PresignedPut,
  type UploadStatus,
} from './api.ts';
export { AirlockApiError, AirlockStorageError } from './errors.ts';
export { sha256OfBlob, sha256OfPart } from './hashing.ts';
export { MAX_PARTS, partsToSend, planParts, type HeldPart, type PlannedPart } from './part-plan.ts';
export {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY,
  type AttemptOutcome,
  type RetryDecision,
  type RetryPolicy,
} from './retry.ts';
export {
  AirlockClient,
  DEFAULT_CONCURRENCY,
  MAX_URL_BATCH,
  type ClientOptions,
  type PartEvent,
  type UploadOptions,
  type UploadProgress,
  type UploadResult,
  type UploadSession,
  type UploadTask,
} from './upload.ts';
