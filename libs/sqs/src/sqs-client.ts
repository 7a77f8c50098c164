import { SQSClient } from '@aws-sdk/client-sqs';

export type SqsSettings = {
  readonly region: string;
  /** Set for the local emulator; unset for AWS. */
  readonly endpoint?: string | undefined;
  /** Explicit credentials; by default the SDK's provider chain (env, role) finds them. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
};

export function createSqsClient(settings: SqsSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  });
}
