import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command } from 'commander';
import { DEMO_SAMPLES, runDemo } from '../operations/demo.ts';
import { createOutput } from '../output.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start the stack and push a photo, a PDF and the EICAR test file through the API, S3 and every worker',
    )
    .option('--file <path>', 'upload this file instead')
    .option('--type <contentType>', 'its content type (with --file)')
    .option('--json', 'machine-readable output')
    .action(async (options: { file?: string; type?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      if (options.file && !options.type) throw new Error('--file needs --type <contentType>');
      const files = options.file
        ? [
            {
              name: basename(options.file),
              contentType: options.type!,
              bytes: () => readFile(options.file!),
            },
          ]
        : DEMO_SAMPLES;
      // Loaded only now, as for `dev`: no other command needs the dev stack.
      const { up } = await import('@airlock/dev-stack');
      const env = await up((line) => out.progress(line));
      const results = await runDemo(
        { apiUrl: env.AIRLOCK_API_URL!, databaseUrl: env.DATABASE_URL! },
        (line) => out.progress(line),
        files,
      );
      const webUrl = env.AIRLOCK_WEB_URL;
      out.result(results, () => [
        ...results.flatMap(({ file, uploadId, upload, webhook }) => [
          '',
          `${file} (upload ${uploadId}): ${upload.state}${upload.reason ? ` (${upload.reason})` : ''}`,
          `  webhook: ${webhook ? `${webhook.type}, signature ${webhook.verified ? 'verified' : 'INVALID'}` : 'none'}`,
          ...upload.renditions.map((r) => `  rendition ${r.name}: ${r.width}×${r.height}`),
          ...(upload.downloads
            ? [`  download (signed, short-lived): ${upload.downloads.original.url}`]
            : []),
        ]),
        ...(webUrl
          ? ['', `Now from a browser: open ${webUrl} and drop files on the demo page.`]
          : []),
      ]);
    });
}
