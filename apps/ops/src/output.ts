import { Presets, SingleBar } from 'cli-progress';
import type { OnProgress } from './operations/progress.ts';

/** Every command prints either lines for people or one JSON document for scripts. */
export type Output = {
  readonly json: boolean;
  result(value: unknown, human: () => string | string[]): void;
  progress(line: string): void;
  /** `work` with a progress bar on stderr, e.g. `sweep [███░░] 3/5 uploads`; none with --json. */
  withProgressBar<T>(
    label: string,
    unit: string,
    work: (onProgress: OnProgress) => Promise<T>,
  ): Promise<T>;
};

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      if (json) {
        process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
        return;
      }
      const text = human();
      process.stdout.write(`${Array.isArray(text) ? text.join('\n') : text}\n`);
    },
    progress(line) {
      // Progress goes to stderr so `--json` and `--env` output stays parseable.
      process.stderr.write(`${line}\n`);
    },
    async withProgressBar(label, unit, work) {
      if (json) return work(() => {});
      const bar = new SingleBar(
        { format: `${label} [{bar}] {value}/{total} ${unit}`, stream: process.stderr },
        Presets.shades_classic,
      );
      let started = false;
      try {
        return await work((done, total) => {
          if (started) bar.update(done);
          else bar.start(total, done);
          started = true;
        });
      } finally {
        if (started) bar.stop();
      }
    },
  };
}
