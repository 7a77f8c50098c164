import { fork, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

type Reply<T> = { ok: true; result: T } | { ok: false; error: string };

type Started<T> = { child: ChildProcess; reply: Promise<T> };

function start<T>(script: URL, input: unknown, timeoutMs: number): Started<T> {
  const path = fileURLToPath(script);
  const name = basename(path);
  // Node 24 runs the .ts child as it runs us: type stripping, no loader flags.
  const child = fork(path, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} gave no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (message: Reply<T>) => {
      clearTimeout(timer);
      if (message.ok) resolve(message.result);
      else reject(new Error(`${name} failed: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) without an answer`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  child.send(input as object);
  return { child, reply };
}

/** Runs `script` in a Node process of its own and resolves with its one answer. */
export function runChild<T>(script: URL, input: unknown, timeoutMs: number): Promise<T> {
  return start<T>(script, input, timeoutMs).reply;
}

/** Starts a long-lived child (a server); its first answer says where it listens. */
export async function startChildServer<T>(
  script: URL,
  input: unknown,
  timeoutMs = 15_000,
): Promise<{ ready: T; pid: number; stop: () => Promise<void> }> {
  const { child, reply } = start<T>(script, input, timeoutMs);
  const ready = await reply;
  return {
    ready,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const errorText = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

/**
 * The child's side: waits for its input, runs `work` and answers once. One-shot
 * children exit after answering, whatever sockets their clients keep open.
 */
export function answerParent<I, O>(work: (input: I) => Promise<O>, keepAlive = false): void {
  process.once('message', (input) => {
    work(input as I).then(
      (result) => send({ ok: true, result }, keepAlive),
      (error: unknown) => send({ ok: false, error: errorText(error) }, false),
    );
  });
  process.once('SIGTERM', () => process.exit(0));
}

function send(message: Reply<unknown>, keepAlive: boolean): void {
  process.send!(message, () => {
    if (!keepAlive) process.exit(0);
  });
}
