/**
 * Cores to provision per 1,000 photos an hour, from the CPU-seconds one photo
 * costs: 1,000 photos × s/photo ÷ 3,600 s. Work only; headroom for bursts and
 * queue latency comes on top.
 */
export const coresPerThousandPhotosAnHour = (cpuSecondsPerPhoto: number): number =>
  (cpuSecondsPerPhoto * 1000) / 3600;

export type PhotoCost = {
  /** clamd and the scanner app, CPU-seconds per photo. */
  readonly scanner: number;
  /** The media app, CPU-seconds per photo (the three renditions). */
  readonly media: number;
};

/** CPU-seconds per photo of the scanning side and of media, from the CPU a photo set used. */
export function photoCost(cpuSeconds: Readonly<Record<string, number>>, photos: number): PhotoCost {
  const per = (seconds: number) => (photos > 0 ? seconds / photos : Number.NaN);
  return {
    scanner: per((cpuSeconds.clamd ?? 0) + (cpuSeconds.scanner ?? 0)),
    media: per(cpuSeconds.media ?? 0),
  };
}
