import { loadMediaConfig } from '@airlock/config';
import { runWorker } from '@airlock/worker';
import { composeMedia } from './compose.ts';

await runWorker('media', loadMediaConfig(), composeMedia);
