import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An SQS destination whose queue policy lets S3 send only from this bucket in
 * this account. aws-cdk-lib's SqsDestination grants SendMessage,
 * GetQueueAttributes and GetQueueUrl with `aws:SourceArn` alone; S3 needs
 * only SendMessage, and `aws:SourceAccount` also closes the gap of a bucket
 * name re-created in another account.
 */
class ScopedQueueDestination implements s3.IBucketNotificationDestination {
  readonly #queue: sqs.IQueue;

  constructor(queue: sqs.IQueue) {
    this.#queue = queue;
  }

  bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    this.#queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowUploadsBucketObjectCreated',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.#queue.queueArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
        },
      }),
    );
    // S3 checks the destination when the configuration is put: the policy must exist first.
    return {
      arn: this.#queue.queueArn,
      type: s3.BucketNotificationDestinationType.QUEUE,
      dependencies: [this.#queue],
    };
  }
}

/**
 * Every ObjectCreated event of `bucket` (PUT, POST, copy, multipart) goes to
 * `queue`: as a bucket notification, or (`eventbridge`, the bucket created
 * with `eventBridgeEnabled`) through a default-bus rule matching this bucket's
 * Object Created events; the target adds a queue policy statement letting only
 * that rule send. The verifier reads both forms (core's s3NotificationSchema).
 */
export function notifyObjectCreated(
  bucket: s3.Bucket,
  queue: sqs.IQueue,
  via: 'notification' | 'eventbridge',
): void {
  if (via === 'notification') {
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new ScopedQueueDestination(queue));
    return;
  }
  new events.Rule(bucket, 'ObjectCreatedRule', {
    description: 'Object Created in the uploads bucket → upload-events',
    eventPattern: {
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: [bucket.bucketName] } },
    },
    targets: [new targets.SqsQueue(queue)],
  });
}
