import { App } from 'aws-cdk-lib';
import { AirlockStack } from '../src/airlock-stack.ts';
import { readSettings } from '../src/settings.ts';

const app = new App();
const settings = readSettings((key) => app.node.tryGetContext(key));
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Airlock';

new AirlockStack(app, stackName, {
  settings,
  // Account and region from the CLI's credentials; without them the stack is environment-agnostic.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Airlock: secure, event-driven file intake for S3',
});
