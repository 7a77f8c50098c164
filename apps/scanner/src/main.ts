import { loadScannerConfig } from '@airlock/config';
import { runWorker } from '@airlock/worker';
import { composeScanner } from './compose.ts';

await runWorker('scanner', loadScannerConfig(), composeScanner);
