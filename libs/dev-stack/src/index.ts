export {
  awaitS3Notification,
  decodeS3EventKey,
  type S3NotificationRecord,
} from './await-notification.ts';
export { clamdCommand } from './clamd.ts';
export { freePort } from './replicas.ts';
export { encodeS3EventKey, s3TestEvent, toS3Notification } from './s3-event-envelope.ts';
export { down, status, stopService, up, type ServiceStatus, type StackEnv } from './stack.ts';
export { ensureWebDemoTenant, type WebDemoTenant } from './web-demo.ts';
export { flattenExport, type AttributeValue, type ReceivedSpan } from './otlp-spans.ts';
