/**
 * `npm run capacity [-- --check]`: the capacity and cost model from
 * bench/results.json. Writes the generated section of docs/capacity.md and
 * infra/src/capacity-settings.json (the CDK's scaling defaults); with
 * --check, writes nothing and exits 1 when either differs from what the
 * committed results give.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import {
  DOC_PATH,
  RESULTS_PATH,
  SETTINGS_PATH,
  capacityOutputs,
  writeCapacityOutputs,
} from './outputs.ts';
import { sectionOf } from './render.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const at = (path: string) => `${root}${path}`;

const options = new Command('capacity')
  .description('Capacity and cost model from bench/results.json')
  .option('--check', 'exit 1 if docs/capacity.md or infra/src/capacity-settings.json is stale')
  .parse()
  .opts<{ check?: boolean }>();

if (options.check) {
  const outputs = capacityOutputs(readFileSync(at(RESULTS_PATH), 'utf8'));
  const doc = readFileSync(at(DOC_PATH), 'utf8');
  const settingsNow = readFileSync(at(SETTINGS_PATH), 'utf8');
  const stale = [
    ...(sectionOf(doc) === outputs.section ? [] : [DOC_PATH]),
    ...(settingsNow === outputs.settingsJson ? [] : [SETTINGS_PATH]),
  ];
  if (stale.length > 0) {
    console.error(`stale: ${stale.join(', ')}; run \`npm run capacity\``);
    process.exit(1);
  }
  console.log(`${DOC_PATH} and ${SETTINGS_PATH} match ${RESULTS_PATH}`);
} else {
  writeCapacityOutputs(root);
  console.log(`wrote ${DOC_PATH} (generated section) and ${SETTINGS_PATH}`);
}
