export {
  ClamdScanner,
  ClamdUnavailableError,
  type ClamdScannerConfig,
  type ScanVerdict,
} from './clamd-scanner.adapter.ts';
export { STREAM_LIMIT_SIGNATURE, type EngineVersion } from './clamd-reply.ts';
