import { loadVerifierConfig } from '@airlock/config';
import { runWorker } from '@airlock/worker';
import { composeVerifier } from './compose.ts';

await runWorker('verifier', loadVerifierConfig(), composeVerifier);
