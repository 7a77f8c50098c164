import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import type { PresignPutRequest } from '@airlock/core';
import { S3UploadUrlSigner } from '@airlock/s3';
import { fileOf } from '@airlock/testing';
import { callsPerSecond, interleaved, median, ratio } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

type Presign = (request: PresignPutRequest) => Promise<{ url: string }>;

const escape = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/**
 * The floor: SigV4 query signing alone. The same headers signed and kept
 * unhoisted as our signer does, without the SDK's command, middleware stack
 * and endpoint resolution around it.
 */
function barePresigner(presigner: S3RequestPresigner, endpoint: URL): Presign {
  return async (request) => {
    const signed = await presigner.presign(
      {
        method: 'PUT',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path: `/${request.bucket}/${request.key.split('/').map(escape).join('/')}`,
        query: {},
        headers: {
          'content-type': request.contentType,
          'content-length': String(request.contentLength),
          'x-amz-checksum-sha256': Buffer.from(request.sha256Hex, 'hex').toString('base64'),
        },
      },
      {
        expiresIn: request.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      },
    );
    const query = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${escape(name)}=${escape(String(value))}`)
      .join('&');
    return { url: `${signed.protocol}//${signed.hostname}:${signed.port}${signed.path}?${query}` };
  };
}

async function run({ stack, settings, log }: StageContext): Promise<StageResult> {
  const { s3 } = stack.clients;
  const bucket = stack.env.SANDBOX_BUCKET!;
  const prefix = `bench/${stack.runId}/presign`;
  const ours = new S3UploadUrlSigner({ s3 });
  const sides: Record<'ours' | 'baseline', Presign> = {
    ours: (request) => ours.presignPut(request),
    baseline: barePresigner(new S3RequestPresigner(s3.config), new URL(stack.env.S3_ENDPOINT!)),
  };

  // Both URLs must be ones S3 accepts, or the comparison means nothing.
  const problems: string[] = [];
  const signedHeaders = new Set<string | null>();
  for (const [side, presign] of Object.entries(sides)) {
    const file = fileOf(randomBytes(4096));
    const key = `${prefix}/${side}.bin`;
    const { url } = await presign({
      bucket,
      key,
      contentType: 'application/octet-stream',
      contentLength: file.size,
      sha256Hex: file.sha256,
      expiresInSeconds: 120,
    });
    const response = await fetch(url, {
      method: 'PUT',
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.size),
        'x-amz-checksum-sha256': Buffer.from(file.sha256, 'hex').toString('base64'),
      },
      body: file.bytes,
    });
    await response.arrayBuffer();
    signedHeaders.add(new URL(url).searchParams.get('X-Amz-SignedHeaders'));
    if (response.status !== 200) problems.push(`presign ${side}: S3 answered ${response.status}`);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  if (signedHeaders.size !== 1) {
    problems.push(
      `presign: the two sides sign different headers: ${[...signedHeaders].join(' vs ')}`,
    );
  }

  const hashes = Array.from({ length: 256 }, () => randomBytes(32).toString('hex'));
  const measure = (presign: Presign) => {
    let next = 0;
    const once = () => {
      const sha256Hex = hashes[next++ % hashes.length]!;
      return presign({
        bucket,
        key: `${prefix}/${sha256Hex}.txt`,
        contentType: 'text/plain',
        contentLength: 4096,
        sha256Hex,
        expiresInSeconds: 120,
      });
    };
    return async () => {
      await callsPerSecond(once, settings.presign.warmupSeconds);
      return callsPerSecond(once, settings.presign.seconds);
    };
  };
  const runs = await interleaved(settings.rounds, {
    ours: measure(sides.ours),
    baseline: measure(sides.baseline),
  });
  const perSecond = { ours: median(runs.ours), baseline: median(runs.baseline) };
  const presignRatio = ratio(perSecond.ours, perSecond.baseline);
  log(
    `presign: ours ${perSecond.ours.toFixed(0)} URLs/s, bare ${perSecond.baseline.toFixed(0)} URLs/s`,
  );
  return {
    rows: [
      {
        stage: 'presign',
        measure: 'URLs/s',
        ...perSecond,
        ratio: presignRatio,
        target: '≥ 0.9× bare',
        met: presignRatio === null ? null : presignRatio >= 0.9,
      },
    ],
    details: { runs },
    problems,
  };
}

export const presignStage: Stage = { name: 'presign', run };
