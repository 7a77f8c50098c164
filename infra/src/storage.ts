import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AirlockSettings } from './settings.ts';

type StorageSettings = Pick<
  AirlockSettings,
  'encryption' | 'corsOrigins' | 'quarantineRetentionDays' | 'uploadsNoncurrentDays' | 's3Events'
>;

/**
 * The three buckets. None is ever public: Block Public Access, ACLs disabled,
 * TLS 1.2+ only, encrypted at rest. Objects are kept when the stack is deleted.
 */
export class Storage extends Construct {
  readonly uploads: s3.Bucket;
  readonly quarantine: s3.Bucket;
  readonly processed: s3.Bucket;
  /** The buckets' customer-managed key with `encryption: kms`. */
  readonly key: kms.Key | undefined;

  constructor(scope: Construct, id: string, settings: StorageSettings) {
    super(scope, id);
    this.key =
      settings.encryption === 'kms'
        ? new kms.Key(this, 'BucketKey', {
            description: 'Airlock buckets (uploads, quarantine, processed)',
            enableKeyRotation: true,
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : undefined;

    const common: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      ...(this.key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const abortIncompleteMultipart: s3.LifecycleRule = {
      id: 'abort-incomplete-multipart-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    };

    // Versioned: the verifier records the VersionId it checked, and the
    // scanner, media and download URLs read that version only, so a second PUT
    // under a verified key (a leaked URL) is never what gets scanned or served;
    // a wrong delete leaves the original recoverable for a while. Only those
    // three roles may read a version (s3:GetObjectVersion), and only of clean
    // uploads does the API sign one: a quarantined object's noncurrent copy is
    // never served, and it is gone after the noncurrent window.
    // Keys are content-addressed under tenant folders with no pending prefix:
    // abandoned uploads are expired by `airlock sweep`, not by a lifecycle rule.
    this.uploads = new s3.Bucket(this, 'Uploads', {
      ...common,
      versioned: true,
      eventBridgeEnabled: settings.s3Events === 'eventbridge',
      cors: settings.corsOrigins.length
        ? [
            {
              // PUT: presigned PutObject and UploadPart; POST: presigned form POSTs.
              // The local stack's S3 emulator has the same rule
              // (libs/dev-stack/src/upload-cors.ts): keep them in step.
              allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST],
              allowedOrigins: [...settings.corsOrigins],
              // What a page sends of the signed headers (`upload.headers`, a part's
              // `headers`); Content-Length is signed too, but the browser sets it.
              allowedHeaders: ['content-type', 'x-amz-checksum-sha256'],
              // A page completing a multipart upload (Uppy) reads each part's ETag.
              exposedHeaders: ['ETag'],
              maxAge: 3600,
            },
          ]
        : undefined,
      lifecycleRules: [
        abortIncompleteMultipart,
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(settings.uploadsNoncurrentDays),
          expiredObjectDeleteMarker: true,
        },
      ],
    });

    // Not versioned: retention must really delete, and keys are per upload.
    this.quarantine = new s3.Bucket(this, 'Quarantine', {
      ...common,
      lifecycleRules: [
        abortIncompleteMultipart,
        {
          id: 'expire-quarantined-objects',
          expiration: Duration.days(settings.quarantineRetentionDays),
        },
      ],
    });

    // Not versioned: renditions are rebuilt from the originals, and a rescan
    // that quarantines an upload must delete its derivatives for good. Fully
    // private like the others, with no CDN and no grant to any service: the
    // only way to read a rendition is a presigned GET from the upload-api,
    // issued after it checked the upload's state and valid for minutes.
    this.processed = new s3.Bucket(this, 'Processed', {
      ...common,
      lifecycleRules: [abortIncompleteMultipart],
    });
  }
}
