import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DOC_PATH, RESULTS_PATH, SETTINGS_PATH, capacityOutputs } from './outputs.ts';
import { sectionOf } from './render.ts';

const read = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

// The committed document and CDK settings are what `npm run capacity` prints
// from the committed bench results: after a new bench run, rerun it.
describe('the committed capacity model', () => {
  const outputs = capacityOutputs(read(RESULTS_PATH));

  it(`${DOC_PATH} holds the tables the model gives`, () => {
    expect(sectionOf(read(DOC_PATH))).toBe(outputs.section);
  });

  it(`${SETTINGS_PATH} holds the scaling settings the model gives`, () => {
    expect(read(SETTINGS_PATH)).toBe(outputs.settingsJson);
  });
});
