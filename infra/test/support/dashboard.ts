import type { Template } from 'aws-cdk-lib/assertions';
import { resourcesOf } from './synth.ts';

/** A CloudFormation reference as the rendered body shows it: `{{Ref}}` or `{{Resource.Attribute}}`. */
export function tokenText(value: unknown): string {
  if (typeof value === 'string') return value;
  const token = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref) return `{{${token.Ref}}}`;
  if (token['Fn::GetAtt']) return `{{${token['Fn::GetAtt'].join('.')}}}`;
  throw new Error(`not a reference: ${JSON.stringify(value)}`);
}

export type DashboardWidget = {
  type: string;
  properties: {
    title?: string;
    metrics?: unknown[][];
    alarms?: string[];
    markdown?: string;
    annotations?: { horizontal?: { value: number; label: string }[] };
  };
};

/** The one dashboard's widgets, its `Fn::Join` body rendered with `tokenText` references. */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const [dashboard, ...others] = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
  if (!dashboard || others.length) throw new Error('expected one dashboard');
  const [, parts] = dashboard.properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  return (JSON.parse(parts.map(tokenText).join('')) as { widgets: DashboardWidget[] }).widgets;
}

/**
 * Each metric line of every widget as `[namespace, name, ...dimension pairs]`
 * plus its options: a line's `"."` or `"..."` shorthand is not used by CDK.
 */
export function metricLines(
  widgets: readonly DashboardWidget[],
): { title: string; metric: string[]; options: Record<string, unknown> }[] {
  return widgets.flatMap((widget) =>
    (widget.properties.metrics ?? []).map((line) => ({
      title: widget.properties.title ?? '',
      metric: line.filter((part): part is string => typeof part === 'string'),
      options: (line.find((part) => typeof part === 'object') ?? {}) as Record<string, unknown>,
    })),
  );
}
