import { loadNotifierConfig } from '@airlock/config';
import { runWorker } from '@airlock/worker';
import { composeNotifier } from './compose.ts';

await runWorker('notifier', loadNotifierConfig(), composeNotifier);
