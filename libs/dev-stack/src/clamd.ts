import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { logFile, runningPid, startDetached, stopProcess, waitFor } from './processes.ts';
import type { StackSettings } from './stack-settings.ts';

const isRoot = () => process.getuid?.() === 0;

/** Sends one `z`-framed clamd command and returns its reply without the trailing NUL. */
export function clamdCommand(
  host: string,
  port: number,
  command: string,
  timeoutMs = 1000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`clamd ${command} timed out`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/\0$/, '')));
    socket.end(`z${command}\0`);
  });
}

const pong = (host: string, port: number) =>
  clamdCommand(host, port, 'PING').then(
    (reply) => reply === 'PONG',
    () => false,
  );

function installClamd(binary: string): void {
  if (!isRoot())
    throw new Error(
      `clamd is not installed (${binary}); run as root or install it (apt-get install clamav-daemon)`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', 'clamav-daemon'], { stdio: 'inherit', env });
  if (!existsSync(binary))
    throw new Error(`apt-get installed clamav-daemon but ${binary} was not found`);
}

/**
 * The stack's clamd.conf. Only this stack's clamd reads it: a distribution's
 * own clamav-daemon keeps /etc/clamav/clamd.conf and its local socket.
 */
export function clamdConfig(settings: StackSettings): string {
  const { limits } = settings.clamav;
  return [
    '# Written by the Airlock dev stack (libs/dev-stack/src/clamd.ts) on every up.',
    'Foreground yes',
    `TCPSocket ${settings.ports.clamd}`,
    `TCPAddr ${settings.host}`,
    `DatabaseDirectory ${join(settings.clamav.dir, 'db')}`,
    `TemporaryDirectory ${join(settings.clamav.dir, 'tmp')}`,
    // No LogFile: clamd logs to stdout, which is the stack's clamd.log.
    'LogTime yes',
    // Every scan is a line (`instream(…): OK`): tests count what clamd was asked.
    'LogClean yes',
    // No cache of clean content: it is global, so a fast answer would tell one
    // customer another sent the same bytes (docs/security.md).
    'DisableCache yes',
    // Image fuzzy hashing: on by default, as ClamAV ships it (the scanner's policy).
    `ScanImageFuzzyHash ${settings.clamav.imageFuzzyHash ? 'yes' : 'no'}`,
    // A scan that hits a limit answers Heuristics.Limits.Exceeded.* FOUND, never OK.
    'AlertExceedsMax yes',
    // Encrypted archives and documents answer Heuristics.Encrypted.* FOUND, never
    // OK: clamd cannot read them, so they are never clean (the scanner's policy).
    'AlertEncrypted yes',
    'AlertEncryptedArchive yes',
    'AlertEncryptedDoc yes',
    `MaxFileSize ${limits.maxFileSize}`,
    `MaxScanSize ${limits.maxScanSize}`,
    `StreamMaxLength ${limits.streamMaxLength}`,
    `PCREMaxFileSize ${limits.maxFileSize}`,
    `MaxScanTime ${limits.maxScanTimeMs}`,
    `MaxRecursion ${limits.maxRecursion}`,
    `MaxFiles ${limits.maxFiles}`,
    '',
  ].join('\n');
}

/** What clamd scans whole, for the apps to refuse anything bigger before they scan. */
export function clamdEnv(settings: StackSettings): Record<string, string> {
  const { limits } = settings.clamav;
  return {
    CLAMD_HOST: settings.host,
    CLAMD_PORT: String(settings.ports.clamd),
    CLAMD_MAX_FILE_SIZE_BYTES: String(limits.maxFileSize),
    CLAMD_MAX_SCAN_SIZE_BYTES: String(limits.maxScanSize),
    CLAMD_STREAM_MAX_LENGTH_BYTES: String(limits.streamMaxLength),
    SCAN_MAX_BYTES: String(Math.min(limits.maxFileSize, limits.streamMaxLength)),
  };
}

/** Makes `to` hold exactly the files of `from`; true when anything changed. */
function syncDirectory(from: string, to: string): boolean {
  mkdirSync(to, { recursive: true });
  const wanted = new Set(readdirSync(from).filter((name) => !name.endsWith('.md')));
  let changed = false;
  for (const name of readdirSync(to)) {
    if (!wanted.has(name)) {
      rmSync(join(to, name), { recursive: true, force: true });
      changed = true;
    }
  }
  for (const name of wanted) {
    const source = join(from, name);
    const target = join(to, name);
    if (existsSync(target) && readFileSync(target).equals(readFileSync(source))) continue;
    copyFileSync(source, target);
    changed = true;
  }
  return changed;
}

/**
 * Starts the stack's clamd on loopback with the repo's test signatures, or
 * leaves a running one alone (restarted when its config changed, told to
 * reload when the signatures did). Resolves once it answers PING.
 */
export async function ensureClamd(settings: StackSettings): Promise<Record<string, string>> {
  const { binary, dir, signatures } = settings.clamav;
  const { host } = settings;
  const port = settings.ports.clamd;
  if (!existsSync(binary)) installClamd(binary);

  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const confFile = join(dir, 'clamd.conf');
  const conf = clamdConfig(settings);
  const confChanged = !existsSync(confFile) || readFileSync(confFile, 'utf8') !== conf;
  writeFileSync(confFile, conf);
  const signaturesChanged = syncDirectory(signatures, join(dir, 'db'));

  let pid = runningPid(settings, 'clamd');
  if (pid !== undefined && confChanged) {
    await stopProcess(settings, 'clamd');
    pid = undefined;
  }
  if (pid === undefined) {
    if (await pong(host, port))
      throw new Error(
        `another clamd already answers on ${host}:${port}; set AIRLOCK_DEV_CLAMD_PORT to move the stack's`,
      );
    pid = startDetached(
      settings,
      'clamd',
      { command: binary, args: [`--config-file=${confFile}`] },
      process.env,
    );
  } else if (signaturesChanged) {
    const reply = await clamdCommand(host, port, 'RELOAD');
    if (reply !== 'RELOADING') throw new Error(`clamd RELOAD answered ${JSON.stringify(reply)}`);
  }
  const started = pid;
  await waitFor(
    'clamd',
    async () => (await pong(host, port)) && runningPid(settings, 'clamd') === started,
    {
      timeoutMs: 60_000,
      log: logFile(settings, 'clamd'),
      pid,
    },
  );
  return clamdEnv(settings);
}

export const stopClamd = (settings: StackSettings) => stopProcess(settings, 'clamd');
