import { Command } from 'commander';
import { createOutput } from '../output.ts';

// The dev stack (and what it starts: the emulators, clamd, a PostgreSQL
// cluster) is loaded only when a `dev` command runs: never in production.
const devStack = () => import('@airlock/dev-stack');

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

type ProcessStatus = { name: string; group: string; running: boolean; pid: number | undefined };

/** One line per app; an app with replicas lists each under it. */
export function groupLines(processes: readonly ProcessStatus[]): string[] {
  const groups = Map.groupBy(processes, (process) => process.group);
  return [...groups].flatMap(([group, members]) => {
    if (members.length === 1 && members[0]!.name === group) {
      const [only] = members;
      return [`${group.padEnd(12)} ${only!.running ? `running (pid ${only!.pid})` : 'stopped'}`];
    }
    const running = members.filter((member) => member.running).length;
    return [
      `${group.padEnd(12)} ${running} of ${members.length} running`,
      ...members.map(
        (member) =>
          `  ${member.name.padEnd(14)} ${member.running ? `running (pid ${member.pid})` : 'stopped'}`,
      ),
    ];
  });
}

export function devCommand(): Command {
  const dev = new Command('dev').description(
    'the local stack: PostgreSQL, S3/SQS emulators and the apps',
  );

  dev
    .command('up')
    .description('start every part that is not running yet (idempotent)')
    .option('--json', 'print the environment as JSON')
    .option(
      '--replicas <n>',
      'processes of every worker and of the API (default AIRLOCK_DEV_REPLICAS, else as running, else 1)',
    )
    .action(async (options: { json?: boolean; replicas?: string }) => {
      const out = createOutput(Boolean(options.json));
      if (options.replicas !== undefined) process.env.AIRLOCK_DEV_REPLICAS = options.replicas;
      const { up } = await devStack();
      const env = await up((line) => out.progress(line));
      out.result({ env }, () => [
        '',
        `Airlock is up: ${env.AIRLOCK_API_URL}`,
        `Demo page (upload from a browser): ${env.AIRLOCK_WEB_URL}`,
        'eval "$(npx airlock dev status --env)" to use it from this shell.',
      ]);
    });

  dev
    .command('down')
    .description('stop every part of the local stack')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const stopped: string[] = [];
      const { down } = await devStack();
      await down((line) => {
        stopped.push(line);
        out.progress(line);
      });
      out.result({ stopped }, () => (stopped.length ? 'stack stopped' : 'nothing was running'));
    });

  dev
    .command('status')
    .description('what runs, and the environment to reach it')
    .option('--env', 'print KEY=VALUE lines for `eval`')
    .option('--json', 'machine-readable output')
    .action(async (options: { env?: boolean; json?: boolean }) => {
      const current = (await devStack()).status();
      if (options.env) {
        if (!current.env) throw new Error('The local stack is not up: run `npx airlock dev up`');
        for (const [key, value] of Object.entries(current.env)) {
          process.stdout.write(`export ${key}=${shellQuote(value)}\n`);
        }
        return;
      }
      createOutput(Boolean(options.json)).result(current, () => [
        ...groupLines(current.services),
        ...(current.env
          ? [
              '',
              `API          ${current.env.AIRLOCK_API_URL}`,
              `demo page    ${current.env.AIRLOCK_WEB_URL}`,
            ]
          : []),
      ]);
    });

  return dev;
}
