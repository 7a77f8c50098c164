/**
 * CPU per file, per process of the stack, from the CPU seconds a set used.
 * "ours" is what the product runs (the apps and PostgreSQL); the S3/SQS
 * emulators stand in for AWS and clamd is ClamAV's, so each is shown apart.
 */
export const OUR_PROCESSES = [
  'upload-api',
  'verifier',
  'scanner',
  'notifier',
  'media',
  'postgres',
] as const;

export type CpuPerFile = {
  /** ms of CPU per file, each watched process. */
  readonly processes: Record<string, number>;
  readonly ours: number;
  readonly emulators: number;
  readonly clamd: number;
};

export function cpuPerFile(
  cpuSeconds: Readonly<Record<string, number>>,
  files: number,
): CpuPerFile {
  const perFile = (seconds: number) => (files > 0 ? (seconds * 1000) / files : Number.NaN);
  const processes = Object.fromEntries(
    Object.entries(cpuSeconds).map(([name, seconds]) => [name, perFile(seconds)]),
  );
  const sum = (names: readonly string[]) =>
    names.reduce((total, name) => total + (cpuSeconds[name] ?? 0), 0);
  return {
    processes,
    ours: perFile(sum(OUR_PROCESSES)),
    emulators: perFile(cpuSeconds.emulators ?? 0),
    clamd: perFile(cpuSeconds.clamd ?? 0),
  };
}

/** The Node process of ours that used the most CPU (PostgreSQL is not a Node process to profile). */
export function hottestNodeProcess(
  cpuSeconds: Readonly<Record<string, number>>,
): string | undefined {
  return OUR_PROCESSES.filter((name) => name !== 'postgres' && (cpuSeconds[name] ?? 0) > 0).sort(
    (a, b) => cpuSeconds[b]! - cpuSeconds[a]!,
  )[0];
}
