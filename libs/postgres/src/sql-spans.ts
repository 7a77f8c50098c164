import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const TRACER_NAME = '@airlock/postgres';
const WRITE_IN_CTE = /\b(INSERT|UPDATE|DELETE|MERGE)\b/i;

/**
 * The operation a statement performs, as `db.operation.name`: its first
 * keyword, or for a `WITH …` statement the first write it contains (else
 * SELECT). Never the statement's text or its parameters.
 */
export function sqlOperation(text: string | undefined): string | undefined {
  const first = /^\s*([A-Za-z]+)/.exec(text ?? '')?.[1]?.toUpperCase();
  if (first !== 'WITH') return first;
  return WRITE_IN_CTE.exec(text!)?.[1]?.toUpperCase() ?? 'SELECT';
}

type Query = (...args: unknown[]) => unknown;
type Callback = (error: Error | null, result: unknown) => void;

function end(span: Span, error: unknown): void {
  if (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * pg's `client.query` in a CLIENT span per statement (OpenTelemetry's
 * database conventions: `db.system.name`, `db.operation.name`), whichever
 * form it is called in (promise, callback), when a span is active; a
 * Submittable (a cursor) goes untraced.
 */
export function tracedQuery(query: Query, args: unknown[]): unknown {
  const [config, values, callback] = args;
  // Only within a traced operation: the outbox relay's polls, the health
  // checks and the metrics sampler would each start a trace of their own.
  if (!trace.getSpan(context.active())) return query(...args);
  if (typeof (config as { submit?: unknown } | undefined)?.submit === 'function')
    return query(...args);
  const text =
    typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
  const operation = sqlOperation(text);
  const span = trace.getTracer(TRACER_NAME).startSpan(operation ?? 'postgresql', {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql',
      ...(operation ? { 'db.operation.name': operation } : {}),
    },
  });
  const run = (...callArgs: unknown[]) =>
    context.with(trace.setSpan(context.active(), span), () => query(...callArgs));
  const done =
    typeof values === 'function' ? (values as Callback) : (callback as Callback | undefined);
  if (done) {
    const traced: Callback = (error, result) => {
      end(span, error);
      done(error, result);
    };
    return typeof values === 'function' ? run(config, traced) : run(config, values, traced);
  }
  return (run(...args) as Promise<unknown>).then(
    (result) => {
      end(span, undefined);
      return result;
    },
    (error: unknown) => {
      end(span, error);
      throw error;
    },
  );
}
