export { inSpan, uploadIdIn, withUpload, UPLOAD_ID_ATTRIBUTE } from './spans.ts';
export { continueUploadTrace, contextFrom, traceParentOf, TRACE_PARENT } from './trace-parent.ts';
export { logFields, type LogFields } from './log-fields.ts';
export { SpanKind, type Span } from '@opentelemetry/api';
