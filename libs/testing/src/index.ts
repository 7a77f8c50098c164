export {
  EICAR,
  fakeExecutable,
  notifyObjectCreated,
  privateQueues,
  receiveAll,
  sha256Of,
  TERMINAL_FOR_VERIFIER,
  until,
  waitForState,
} from './fixtures.ts';
export {
  fileOf,
  putPresigned,
  StackClients,
  uniqueText,
  type Tenant,
  type TestFile,
} from './stack-clients.ts';
export { TcpProxy } from './tcp-proxy.ts';
export { uniqueVideo, VIDEO_FIXTURES, videoFixture, type VideoKind } from './video-fixtures.ts';
