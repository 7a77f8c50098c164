import { readFileSync } from 'node:fs';

/**
 * Files committed under libs/testing/fixtures/clamav, each hiding the repo's
 * test marker where clamd cannot read it (or, for the plain PDF, where it
 * can): how they were made is in that folder's README.md.
 */
export type ClamavFixture =
  'marker-plain.pdf' | 'marker-rc4-encrypted.pdf' | 'marker-encrypted.zip';

export function clamavFixture(name: ClamavFixture): Buffer {
  return readFileSync(new URL(`../fixtures/clamav/${name}`, import.meta.url));
}

/**
 * The ops CLI's badge (apps/ops/assets, the demo's upload): a small real PNG
 * that every stage takes to `ready`. Resolved through the package, so no test
 * reaches into another app's folder.
 */
export function airlockBadgePng(): Buffer {
  return readFileSync(new URL(import.meta.resolve('@airlock/ops/assets/airlock-badge.png')));
}

/** AWS's published sample events under libs/testing/fixtures/aws-events (see its README.md). */
export type AwsSampleEvent =
  | 's3Event'
  | 's3SqsEvent'
  | 'snsSqsEvent'
  | 's3EventBridgeNotificationObjectCreatedEvent'
  | 's3EventBridgeNotificationObjectDeletedEvent';

/** One of AWS's sample events, parsed; a fresh copy on every call, to adapt at will. */
export function awsSampleEvent(name: AwsSampleEvent): Record<string, unknown> {
  const url = new URL(`../fixtures/aws-events/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}
