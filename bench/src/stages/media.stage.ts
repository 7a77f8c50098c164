import sharp from 'sharp';
import { loadMediaConfig } from '@airlock/config';
import { configureSharp, renderRenditions, type RenditionSpec } from '@airlock/imaging';
import { photoJpeg } from '../fixtures/photo.ts';
import { interleaved, median, ratio } from '../stats.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

type Limits = { maxInputPixels: number; timeoutSeconds: number };
type Size = { width: number; height: number };

/**
 * The floor: each rendition straight from the JPEG with sharp, the same
 * decode options, orientation, box and encoder settings as libs/imaging
 * (WebP q80 effort 4, AVIF q50 effort 3), none of its structure.
 */
async function bareRenditions(bytes: Buffer, specs: readonly RenditionSpec[], limits: Limits) {
  const sizes: Size[] = [];
  for (const spec of specs) {
    const resized = sharp(bytes, {
      limitInputPixels: limits.maxInputPixels,
      failOn: 'error',
      pages: 1,
    })
      .timeout({ seconds: limits.timeoutSeconds })
      .autoOrient()
      .resize({
        width: spec.width,
        height: spec.width * 4,
        fit: 'inside',
        withoutEnlargement: true,
      });
    const encoded =
      spec.format === 'webp'
        ? resized.webp({ quality: 80, effort: 4 })
        : resized.avif({ quality: 50, effort: 3 });
    const { info } = await encoded.toBuffer({ resolveWithObject: true });
    sizes.push({ width: info.width, height: info.height });
  }
  return sizes;
}

/** `images` renders, `parallel` at a time as the worker runs them; renditions per second. */
async function renditionsPerSecond(
  images: number,
  parallel: number,
  perImage: number,
  render: () => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < images) await render();
    }),
  );
  return (images * perImage) / ((performance.now() - started) / 1000);
}

async function run({ settings, log }: StageContext): Promise<StageResult> {
  const config = loadMediaConfig({ ...process.env, LOG_LEVEL: 'silent' });
  // Process-wide, as the media worker's compose.ts does: the bare side runs under it too.
  configureSharp({ concurrency: config.sharp.concurrency, cache: false });
  const { width, height, imagesPerRound } = settings.media;
  const photo = await photoJpeg(width, height);
  const specs = config.renditions;
  const parallel = config.consumer.concurrency;
  log(
    `media: ${((width * height) / 1e6).toFixed(0)} MP JPEG of ${(photo.length / 1e6).toFixed(1)} MB, ${specs.length} renditions, ${parallel} at a time`,
  );

  const problems: string[] = [];
  const ours = await renderRenditions(photo, specs, config.limits);
  const bare = await bareRenditions(photo, specs, config.limits);
  const oursSizes = ours.map(({ width, height }) => ({ width, height }));
  if (JSON.stringify(oursSizes) !== JSON.stringify(bare)) {
    problems.push(
      `media: renditions differ: ${JSON.stringify(oursSizes)} vs ${JSON.stringify(bare)}`,
    );
  }

  const runs = await interleaved(settings.rounds, {
    ours: () =>
      renditionsPerSecond(imagesPerRound, parallel, specs.length, () =>
        renderRenditions(photo, specs, config.limits),
      ),
    baseline: () =>
      renditionsPerSecond(imagesPerRound, parallel, specs.length, () =>
        bareRenditions(photo, specs, config.limits),
      ),
  });
  const rate = { ours: median(runs.ours), baseline: median(runs.baseline) };
  const mediaRatio = ratio(rate.ours, rate.baseline);
  log(`media: ours ${rate.ours.toFixed(2)} renditions/s, bare sharp ${rate.baseline.toFixed(2)}`);
  return {
    rows: [
      {
        stage: 'media',
        measure: `renditions/s, ${((width * height) / 1e6).toFixed(0)} MP JPEG`,
        ...rate,
        ratio: mediaRatio,
        target: '≥ 0.9× bare sharp',
        met: mediaRatio === null ? null : mediaRatio >= 0.9,
      },
    ],
    details: {
      megapixels: (width * height) / 1e6,
      jpegBytes: photo.length,
      renditions: specs,
      parallel,
      imagesPerRound,
      runs,
    },
    problems,
  };
}

export const mediaStage: Stage = { name: 'media', run };
