/** Every command prints either lines for people or one JSON document for scripts. */
export type Output = {
  readonly json: boolean;
  result(value: unknown, human: () => string | string[]): void;
  progress(line: string): void;
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
  };
}
