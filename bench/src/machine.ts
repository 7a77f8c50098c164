import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export type Machine = {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run began: how busy the shared machine already was. */
  readonly loadAtStart: number;
};

export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export const machineLine = (machine: Machine, date: Date): string =>
  `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ` +
  `${machine.os}, load ${machine.loadAtStart} at start, ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
