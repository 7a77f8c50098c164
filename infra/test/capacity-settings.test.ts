import { APP_SPECS } from '../src/app-specs.ts';
import { CAPACITY_SETTINGS } from '../src/capacity-settings.ts';
import { backlogSteps } from '../src/queue-scaling.ts';
import { APP_NAMES, DEFAULT_SETTINGS } from '../src/settings.ts';
import { resourcesOf, synth } from './support/synth.ts';

// capacity-settings.json is written by `npm run capacity` from the measured
// CPU per upload (docs/capacity.md); bench's unit test keeps it equal to what
// the committed bench results give. These pin that the stack deploys it.
const { stack, template } = synth();
const WORKERS = ['verifier', 'scanner', 'media', 'notifier'] as const;

const targetOf = (service: { node: { defaultChild?: unknown } }) => {
  const serviceId = stack.getLogicalId(service.node.defaultChild as never);
  return resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalableTarget').find((t) =>
    JSON.stringify(t.properties.ResourceId).includes(serviceId),
  )!;
};

describe('scaling settings from the capacity model', () => {
  it.each(APP_NAMES)('deploys %s at the task size the model sized it for', (app) => {
    expect(APP_SPECS[app].cpu).toBe(CAPACITY_SETTINGS.apps[app].cpu);
  });

  it("makes the model's task ranges the defaults", () => {
    for (const app of APP_NAMES) {
      const { minTasks, maxTasks } = CAPACITY_SETTINGS.apps[app];
      expect(DEFAULT_SETTINGS.tasks[app]).toEqual({ min: minTasks, max: maxTasks });
    }
  });

  it.each(WORKERS)("steps %s's tasks at the model's backlog per task", (worker) => {
    const { minTasks, maxTasks, backlogPerTask } = CAPACITY_SETTINGS.apps[worker];
    expect(APP_SPECS[worker].backlogPerTask).toBe(backlogPerTask);
    const target = targetOf(stack.workers[worker].service);
    expect(target.properties).toMatchObject({ MinCapacity: minTasks, MaxCapacity: maxTasks });

    const policy = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').find(
      (p) =>
        p.properties.ScalingTargetId?.Ref === target.id &&
        p.properties.StepScalingPolicyConfiguration.StepAdjustments.some(
          (s: { ScalingAdjustment: number }) => s.ScalingAdjustment === maxTasks,
        ),
    )!;
    const upper = policy.properties.StepScalingPolicyConfiguration.StepAdjustments as {
      MetricIntervalLowerBound?: number;
      ScalingAdjustment: number;
    }[];
    // The alarm fires at the first band's lower edge; each band's lower bound is relative to it.
    const steps = backlogSteps({ min: minTasks, max: maxTasks }, backlogPerTask!).filter(
      (step) => step.lower !== undefined,
    );
    const first = steps[0]!.lower!;
    expect(
      upper.map((s) => [(s.MetricIntervalLowerBound ?? 0) + first, s.ScalingAdjustment]),
    ).toEqual(steps.map((step) => [step.lower, step.change]));
  });

  it('scales the API on the CPU the model keeps each task at', () => {
    const target = targetOf(stack.api.service);
    const { minTasks, maxTasks } = CAPACITY_SETTINGS.apps['upload-api'];
    expect(target.properties).toMatchObject({ MinCapacity: minTasks, MaxCapacity: maxTasks });
    const policy = resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').find(
      (p) => p.properties.ScalingTargetId?.Ref === target.id,
    )!;
    expect(policy.properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(
      CAPACITY_SETTINGS.targetCpuPercent,
    );
  });
});
