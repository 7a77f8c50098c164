import { existsSync, readFileSync } from 'node:fs';

/**
 * The high-water mark of this program's memory in MiB. Not getrusage's maxRSS:
 * that survives exec, so a child forked from a parent holding 300 MiB reports
 * 300 MiB before reading a byte. Linux's VmHWM starts afresh with the new image.
 */
export function peakRssMiB(): number {
  if (existsSync('/proc/self/status')) {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  }
  return process.resourceUsage().maxRSS / 1024;
}
