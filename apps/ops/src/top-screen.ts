import { emitKeypressEvents } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogUpdate } from 'log-update';

/** What the live view redraws from: one frame per call, after the interval. */
export type FrameSource = () => Promise<string>;

/**
 * Draws a frame every `intervalMs` until q, Ctrl-C or a signal: on a terminal
 * redrawn in place (one write a frame, no clearing first: no flicker), keys
 * read raw; elsewhere, or `plain`, each frame printed after the last.
 */
export async function runLiveScreen(
  nextFrame: FrameSource,
  intervalMs: number,
  options: { plain?: boolean } = {},
): Promise<void> {
  const stdout = process.stdout;
  const stdin = process.stdin;
  const quit = new AbortController();
  const stop = () => quit.abort();
  const onKey = (text: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
    if (text === 'q' || text === 'Q' || key?.name === 'escape' || (key?.ctrl && key.name === 'c'))
      stop();
  };
  const inPlace = stdout.isTTY && !options.plain;
  const separator = options.plain ? '\n' : '\n\n';
  const draw = inPlace
    ? createLogUpdate(stdout)
    : (frame: string) => void stdout.write(`${frame}${separator}`);

  // A reader that went away (`airlock top | head`) ends the view; any other write error fails it.
  let writeError: Error | undefined;
  const onWriteError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') writeError = error;
    stop();
  };
  stdout.on('error', onWriteError);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (stdin.isTTY) {
    emitKeypressEvents(stdin);
    stdin.setRawMode(true);
    stdin.on('keypress', onKey);
    stdin.resume();
  }
  try {
    while (!quit.signal.aborted) {
      const frame = await nextFrame();
      if (quit.signal.aborted) break;
      draw(frame);
      await sleep(intervalMs, undefined, { signal: quit.signal }).catch(() => {});
    }
  } finally {
    stdout.off('error', onWriteError);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (stdin.isTTY) {
      stdin.off('keypress', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
    if ('done' in draw) draw.done();
  }
  if (writeError) throw writeError;
}
