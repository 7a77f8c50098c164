import type { S3Client } from '@aws-sdk/client-s3';
import { inSpan, SpanKind } from '@airlock/tracing';
import { context as otelContext, trace } from '@opentelemetry/api';

type S3Input = { Bucket?: unknown; Key?: unknown; CopySource?: unknown };

const text = (name: string, value: unknown) =>
  typeof value === 'string' && value !== '' ? { [name]: value } : {};

/**
 * Every request the client sends while a span is active is a CLIENT span
 * named `S3.<Operation>` (OpenTelemetry's AWS SDK conventions: `rpc.*`,
 * `aws.s3.bucket`, `aws.s3.key`, `aws.s3.copy_source`), one per attempt. It
 * sits in the deserialize step, after signing: a presigned URL never gets
 * this far, and no header, URL or credential is recorded.
 */
export function traceS3Requests(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => (args) => {
      // Only within a traced operation: a readiness probe starts no trace.
      if (!trace.getSpan(otelContext.active())) return next(args);
      const operation = (context.commandName ?? 'Command').replace(/Command$/, '');
      const input = args.input as S3Input;
      return inSpan(
        `S3.${operation}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'rpc.system': 'aws-api',
            'rpc.service': 'S3',
            'rpc.method': operation,
            ...text('aws.s3.bucket', input.Bucket),
            ...text('aws.s3.key', input.Key),
            ...text('aws.s3.copy_source', input.CopySource),
          },
        },
        () => next(args),
      );
    },
    { step: 'deserialize', name: 'airlockTraceSpan', override: true },
  );
}
