import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { contextFrom, inSpan, SpanKind, TRACE_PARENT, traceParentOf } from '@airlock/tracing';

/** OpenTelemetry's messaging conventions for one SQS queue. */
const messaging = (queue: string, operation: 'send' | 'process') => ({
  'messaging.system': 'aws_sqs',
  'messaging.destination.name': queue,
  'messaging.operation.type': operation,
  'messaging.operation.name': operation,
});

/** The queue's name: the last segment of its URL. */
export const queueNameOf = (queueUrl: string): string => queueUrl.split('/').pop() ?? queueUrl;

/**
 * Runs a send in a PRODUCER span; `work` gets the message attributes that
 * carry the span's context to the consumer (one `traceparent`: with the five
 * a DLQ copy adds, well within SQS's ten).
 */
export function sendInSpan<T>(
  queue: string,
  work: (attributes: Record<string, MessageAttributeValue>) => Promise<T>,
): Promise<T> {
  return inSpan(
    `send ${queue}`,
    { kind: SpanKind.PRODUCER, attributes: messaging(queue, 'send') },
    () => {
      const traceParent = traceParentOf();
      return work(
        traceParent ? { [TRACE_PARENT]: { DataType: 'String', StringValue: traceParent } } : {},
      );
    },
  );
}

/**
 * Runs the handling of one message in a CONSUMER span, the child of the
 * span that sent it when it carries a `traceparent`, else a new trace.
 */
export function processInSpan<T>(
  queue: string,
  message: Message,
  work: () => Promise<T>,
): Promise<T> {
  const parent = contextFrom(message.MessageAttributes?.[TRACE_PARENT]?.StringValue);
  return inSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messaging(queue, 'process'),
        ...(message.MessageId ? { 'messaging.message.id': message.MessageId } : {}),
      },
    },
    work,
    parent,
  );
}
