export {
  createWorker,
  type BackgroundLoop,
  type Worker,
  type WorkerClients,
  type WorkerParts,
  type WorkerSettings,
} from './create-worker.ts';
export { runWorker } from './run-worker.ts';
