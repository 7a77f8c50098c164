import type { BenchStack } from '../bench-stack.ts';
import type { Row } from '../report.ts';
import type { BenchSettings } from '../settings.ts';

export type StageContext = {
  readonly stack: BenchStack;
  readonly settings: BenchSettings;
  readonly log: (line: string) => void;
  /** Where the results JSON goes: files a stage keeps (a CPU profile) go beside it. */
  readonly resultsFile: string;
};

export type StageResult = {
  readonly rows: Row[];
  /** Every raw figure behind the rows, for results.json. */
  readonly details: Record<string, unknown>;
  /** What went wrong functionally (errors, wrong answers, stuck uploads): never about speed. */
  readonly problems: string[];
  /** More to print under the results table (the end-to-end breakdown). */
  readonly extra?: string;
};

export type Stage = {
  readonly name: string;
  run(context: StageContext): Promise<StageResult>;
};
