export {
  EICAR,
  fakeExecutable,
  notifyObjectCreated,
  privateQueues,
  queueDepth,
  receiveAll,
  sha256Of,
  TERMINAL_FOR_VERIFIER,
  testQueues,
  until,
  waitForState,
} from './fixtures.ts';
export {
  createTenant,
  fileOf,
  putPresigned,
  refusalOf,
  StackClients,
  uniqueText,
  type ApiErrorBody,
  type HttpAnswer,
  type Tenant,
  type TestFile,
  type UploadCreated,
} from './stack-clients.ts';
export type { ApiAnswer, ApiError } from './api-answers.ts';
export {
  airlockCliPath,
  airlockJson,
  airlockStdout,
  runAirlock,
  type CliRun,
} from './airlock-cli.ts';
export * from './files.ts';
export { TcpProxy } from './tcp-proxy.ts';
export { startScratchClamd, type ScratchClamd } from './scratch-clamd.ts';
export { MetricsScrape, stackMetricsPages, stackMetricsUrls } from './metrics-scrape.ts';
export { stackLog, stackLogFiles, type LogMark } from './stack-logs.ts';
export { receivedTrace, tracesOfUpload } from './traces.ts';
