export { inspectStream, type InspectOptions, type Inspection } from './inspect-stream.ts';
