import { Errors } from '../errors.ts';
import { isServable } from '../upload-state.ts';
import type { DownloadUrlSigner } from '../uploads/upload.ports.ts';
import type { Upload } from '../uploads/upload.types.ts';
import type { Rendition, UploadRenditions } from '../workers/worker.ports.ts';

export type RenditionDirectory = Pick<UploadRenditions, 'forUpload'>;

export type DownloadLinksDependencies = {
  readonly signer: DownloadUrlSigner;
  readonly renditions: RenditionDirectory;
  readonly now?: () => Date;
};

export type Downloads = {
  readonly expiresAt: string;
  readonly original: { readonly url: string };
  readonly renditions: ReadonlyArray<{ readonly name: string; readonly url: string }>;
};

const RENDITION_TYPES: Record<string, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/**
 * Signed GETs for content that was scanned clean, and for nothing else: the
 * raw upload of a pending, rejected or quarantined upload is never served.
 */
export function createDownloadLinks(
  deps: DownloadLinksDependencies,
  policy: { expiresInSeconds: number },
) {
  const now = deps.now ?? (() => new Date());
  const expiresInSeconds = policy.expiresInSeconds;

  const original = (upload: Upload) =>
    deps.signer.presignGet({
      bucket: upload.bucket,
      key: upload.key,
      // The version that was verified and scanned, never whatever the key holds now.
      versionId: upload.versionId,
      expiresInSeconds,
      contentType: upload.detectedContentType ?? upload.declaredContentType,
      downloadName: upload.originalName,
    });

  const rendition = (r: Rendition) =>
    deps.signer.presignGet({
      bucket: r.bucket,
      key: r.key,
      expiresInSeconds,
      contentType: RENDITION_TYPES[r.format],
    });

  return {
    /** The upload's renditions, and signed URLs when it may be served. */
    async describe(
      upload: Upload,
    ): Promise<{ renditions: Rendition[]; downloads: Downloads | undefined }> {
      const renditions = await deps.renditions.forUpload(upload.id);
      if (!isServable(upload.state)) return { renditions, downloads: undefined };
      return {
        renditions,
        downloads: {
          expiresAt: new Date(now().getTime() + expiresInSeconds * 1000).toISOString(),
          original: await original(upload),
          renditions: await Promise.all(
            renditions.map(async (r) => ({ name: r.name, url: (await rendition(r)).url })),
          ),
        },
      };
    },

    /** Where `GET …/content` redirects: the original, or one named rendition. */
    async contentUrl(upload: Upload, renditionName?: string): Promise<string> {
      if (!isServable(upload.state)) throw Errors.uploadNotServable(upload.id, upload.state);
      if (renditionName === undefined) return (await original(upload)).url;
      const renditions = await deps.renditions.forUpload(upload.id);
      const found = renditions.find((r) => r.name === renditionName);
      if (!found)
        throw Errors.renditionNotFound(
          renditionName,
          renditions.map((r) => r.name),
        );
      return (await rendition(found)).url;
    },
  };
}

export type DownloadLinks = ReturnType<typeof createDownloadLinks>;
