export {
  createWorker,
  type BackgroundLoop,
  type Worker,
  type WorkerClients,
  type WorkerParts,
  type WorkerSettings,
} from './create-worker.ts';
export { runWorker } from './run-worker.ts';
export { LeaderSampler, type Election, type Sample } from './queue-sampler.ts';
export { outboxSample, queueSample } from './samples.ts';
