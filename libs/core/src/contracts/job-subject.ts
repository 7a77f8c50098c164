import type { Upload } from '../uploads/upload.types.ts';

/** What a worker job says about its upload: where the bytes are and what they were judged to be. */
export type JobSubject = Pick<
  Upload,
  | 'id'
  | 'bucket'
  | 'key'
  | 'declaredSha256'
  | 'declaredSize'
  | 'declaredContentType'
  | 'detectedContentType'
>;

/** The type a worker found, else the declared one. */
export const judgedContentType = (upload: JobSubject): string =>
  upload.detectedContentType ?? upload.declaredContentType;
