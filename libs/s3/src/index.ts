export { probeBucket } from './bucket-probe.ts';
export {
  S3ObjectStore,
  type NewObject,
  type ObjectRef,
  type OpenedObject,
  type OpenOptions,
  type VersionedRef,
} from './object-store.adapter.ts';
export { createS3Client, type S3Settings } from './s3-client.ts';
export { S3OpenMultipartUploads, type OpenMultipartUpload } from './open-multipart-uploads.ts';
export { S3UploadUrlSigner } from './upload-url-signer.adapter.ts';
export { S3FormPostSigner } from './form-post-signer.adapter.ts';
export { S3MultipartStore } from './multipart-store.adapter.ts';
