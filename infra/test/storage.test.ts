import { Match } from 'aws-cdk-lib/assertions';
import { synth } from './support/synth.ts';

const { stack, template } = synth();
const bucketId = (bucket: typeof stack.storage.uploads) =>
  stack.getLogicalId(bucket.node.defaultChild as never);
const bucketProps = (bucket: typeof stack.storage.uploads) =>
  template.toJSON().Resources[bucketId(bucket)].Properties;
const buckets = () => [stack.storage.uploads, stack.storage.quarantine, stack.storage.processed];

describe('buckets', () => {
  it('are exactly uploads, quarantine and processed', () => {
    template.resourceCountIs('AWS::S3::Bucket', 3);
  });

  it.each(['uploads', 'quarantine', 'processed'] as const)(
    '%s blocks all public access',
    (name) => {
      expect(bucketProps(stack.storage[name]).PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucketProps(stack.storage[name]).OwnershipControls).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
    },
  );

  it.each(['uploads', 'quarantine', 'processed'] as const)(
    '%s is encrypted with SSE-S3 by default',
    (name) => {
      expect(bucketProps(stack.storage[name]).BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      });
    },
  );

  it.each(['uploads', 'quarantine', 'processed'] as const)(
    '%s denies requests without TLS, and TLS below 1.2',
    (name) => {
      const bucketRef = { Ref: bucketId(stack.storage[name]) };
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: bucketRef,
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            }),
          ]),
        },
      });
    },
  );

  it('are all kept when the stack is deleted', () => {
    for (const bucket of buckets()) {
      const resource = template.toJSON().Resources[bucketId(bucket)];
      expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  it.each(['uploads', 'quarantine', 'processed'] as const)(
    '%s aborts incomplete multipart uploads after a day',
    (name) => {
      expect(bucketProps(stack.storage[name]).LifecycleConfiguration.Rules).toContainEqual({
        Id: 'abort-incomplete-multipart-uploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      });
    },
  );
});

describe('uploads', () => {
  const uploads = () => bucketProps(stack.storage.uploads);

  it('has no CORS rule unless browser origins are configured', () => {
    expect(uploads().CorsConfiguration).toBeUndefined();
  });

  it('is versioned, and old versions expire after the configured days', () => {
    expect(uploads().VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(uploads().LifecycleConfiguration.Rules).toContainEqual({
      Id: 'expire-noncurrent-versions',
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
      ExpiredObjectDeleteMarker: true,
      Status: 'Enabled',
    });
  });

  it('notifies upload-events of every ObjectCreated event, unfiltered', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId(stack.storage.uploads) },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: stack.resolve(stack.queues.byName['upload-events'].queue.queueArn),
          },
        ],
      },
    });
  });

  it('is the only bucket with notifications', () => {
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
  });
});

describe('quarantine', () => {
  it('expires objects after the configured retention and is not versioned', () => {
    const props = bucketProps(stack.storage.quarantine);
    expect(props.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'expire-quarantined-objects',
      ExpirationInDays: 30,
      Status: 'Enabled',
    });
    expect(props.VersioningConfiguration).toBeUndefined();
    expect(props.CorsConfiguration).toBeUndefined();
  });
});

describe('processed', () => {
  it('has no CORS and no expiry: renditions live as long as their upload', () => {
    const props = bucketProps(stack.storage.processed);
    expect(props.CorsConfiguration).toBeUndefined();
    expect(props.LifecycleConfiguration.Rules).toHaveLength(1);
  });
});
