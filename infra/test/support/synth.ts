import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AirlockStack } from '../../src/airlock-stack.ts';
import { DEFAULT_SETTINGS, type AirlockSettings } from '../../src/settings.ts';

/** Registry images: no Docker build context to fingerprint, so a synth takes seconds. */
export const TEST_IMAGES = {
  appImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock:test',
  clamdImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/airlock-clamd:test',
} as const;

export type Synthesized = { readonly stack: AirlockStack; readonly template: Template };

/** The stack with the default settings plus `overrides`, synthesized offline (no account, no region). */
export function synth(overrides: Partial<AirlockSettings> = {}): Synthesized {
  const app = new App();
  const stack = new AirlockStack(app, 'Airlock', {
    settings: { ...DEFAULT_SETTINGS, ...TEST_IMAGES, ...overrides },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The one resource of `type` whose properties match `predicate`; throws unless exactly one. */
export function onlyResource(
  template: Template,
  type: string,
  predicate: (properties: Record<string, any>) => boolean = () => true,
): { id: string; properties: Record<string, any> } {
  const matches = Object.entries(template.findResources(type))
    .map(([id, resource]) => ({
      id,
      properties: (resource.Properties ?? {}) as Record<string, any>,
    }))
    .filter(({ properties }) => predicate(properties));
  if (matches.length !== 1) throw new Error(`expected one ${type}, found ${matches.length}`);
  return matches[0]!;
}

/** Every resource of `type`, with its logical id and properties. */
export function resourcesOf(
  template: Template,
  type: string,
): { id: string; properties: Record<string, any> }[] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => ({
    id,
    properties: (resource.Properties ?? {}) as Record<string, any>,
  }));
}
