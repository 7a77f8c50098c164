export {
  AirlockApi,
  type ApiOptions,
  type Authorization,
  type CancelledUpload,
  type CreateUploadRequest,
  type CreateUploadResponse,
  type MultipartPlan,
  type PartUrl,
  type PresignedPut,
  type Upload,
  type UploadState,
  type UploadStatus,
} from './api.ts';
export { AirlockApiError, AirlockStorageError, AirlockTimeoutError } from './errors.ts';
export {
  DEFAULT_POLL,
  inProgressOf,
  isTerminalState,
  pollDelay,
  TERMINAL_STATES,
  type PollPolicy,
  type TerminalState,
} from './follow.ts';
export { sha256InWorker } from './hash-in-worker.ts';
export type { HashReply, HashRequest, HashWorkerLike, HashWorkerSource } from './hash-protocol.ts';
export {
  createSha256,
  HASH_CHUNK_BYTES,
  sha256OfBlob,
  sha256OfPart,
  type HashOptions,
  type IncrementalSha256,
  type Sha256Engine,
} from './hashing.ts';
export { ProgressLedger, type UploadPhase, type UploadProgress } from './progress.ts';
export {
  browserSafeHeaders,
  defaultTransport,
  fetchTransport,
  isForbiddenHeader,
  xhrTransport,
  type PutRequest,
  type PutResponse,
  type PutTransport,
} from './transport.ts';
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
  upload,
  type PartEvent,
  type UploadAndWaitOptions,
  type UploadFileOptions,
  type UploadOptions,
  type UploadOutcome,
  type UploadResult,
  type UploadSession,
  type UploadTask,
} from './upload.ts';
