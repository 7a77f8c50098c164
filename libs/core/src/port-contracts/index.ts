export { describeObjectStoreContract, type ObjectStoreSubject } from './object-store.contract.ts';
export {
  describeObjectIncidentsContract,
  type ObjectIncidentsSubject,
} from './object-incidents.contract.ts';
export {
  describeSiteDirectoryContract,
  type SiteDirectorySubject,
} from './site-directory.contract.ts';
export {
  describeUploadProgressContract,
  type UploadProgressSubject,
} from './upload-progress.contract.ts';
export {
  describeUploadRenditionsContract,
  type UploadRenditionsSubject,
} from './upload-renditions.contract.ts';
export {
  describeUploadRepositoryContract,
  newUpload,
  type RepositoryTenant,
  type UploadRepositorySubject,
} from './upload-repository.contract.ts';
export { describeUploadScansContract, type UploadScansSubject } from './upload-scans.contract.ts';
export {
  describeUploadTokenCounterContract,
  type UploadTokenCounterSubject,
} from './upload-token-counter.contract.ts';
export type { QueuedDelivery, RecordedMove, SeedUpload, UploadWorld } from './upload-world.ts';
export {
  describeWebhookOutboxContract,
  type WebhookOutboxSubject,
} from './webhook-outbox.contract.ts';
