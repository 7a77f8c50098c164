import { SQSClient } from '@aws-sdk/client-sqs';

export type SqsSettings = {
  readonly region: string;
  /** Set for the local emulator; unset for AWS. */
  readonly endpoint?: string | undefined;
};

export function createSqsClient(settings: SqsSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  });
}
