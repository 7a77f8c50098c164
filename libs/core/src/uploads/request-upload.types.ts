import type { ExpiryPolicy } from '../expiry-policy.ts';
import type { FolderMode } from '../key-layout.ts';
import type { AllowedType, SizeLimits } from '../type-policy.ts';
import type { UploadTokenGrant } from '../upload-tokens/upload-token.ts';
import type { MultipartPolicy, PartPlan, UploadMethod } from './multipart-plan.ts';
import type {
  FormPostSigner,
  MultipartStore,
  PresignedPost,
  PresignedRequest,
  SiteDirectory,
  UploadRepository,
  UploadTokenCounter,
  UploadUrlSigner,
} from './upload.ports.ts';
import type { Site, Upload } from './upload.types.ts';

export type RequestUploadPolicy = {
  readonly bucket: string;
  readonly folder: FolderMode;
  readonly sizeLimits: SizeLimits;
  readonly expiry: ExpiryPolicy;
  /** When files go in parts, their part size and how long they stay resumable. */
  readonly multipart?: MultipartPolicy | undefined;
};

export type RequestUploadDependencies = {
  readonly sites: SiteDirectory;
  readonly uploads: UploadRepository;
  readonly signer: UploadUrlSigner;
  /** Needed for `form: true`. */
  readonly forms?: FormPostSigner | undefined;
  /** Needed for uploads in parts. */
  readonly multipart?: MultipartStore | undefined;
  /** Needed for requests made with an upload token. */
  readonly tokens?: UploadTokenCounter | undefined;
  readonly now?: () => Date;
};

export type RequestUploadInput = {
  /** The customer the caller's API key belongs to. */
  readonly callerCustomerId: string;
  readonly customerId?: string | undefined;
  /** Required of an API key; a token's own site when omitted with a token. */
  readonly siteId?: string | undefined;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly actor: string;
  /** The API key asking: recorded as the issuer of the URL handed out. */
  readonly apiKeyId?: string | undefined;
  /** `true`: in parts (≥ 5 MiB); `false`: one PUT; absent: parts above the threshold. */
  readonly multipart?: boolean | undefined;
  /** A presigned POST for an HTML form instead of a PUT. */
  readonly form?: boolean | undefined;
  /**
   * The upload token asking (a browser), if any: its limits apply, its uploads
   * dedup only among themselves and get keys of their own, and a new one
   * counts against its `maxUploads`. Its issuing key is the URL's issuer.
   */
  readonly token?: UploadTokenGrant | undefined;
};

export type RequestUploadResult =
  | { readonly outcome: 'upload'; readonly upload: Upload; readonly presigned: PresignedRequest }
  | { readonly outcome: 'form'; readonly upload: Upload; readonly presigned: PresignedPost }
  | { readonly outcome: 'multipart'; readonly upload: Upload; readonly plan: PartPlan }
  | { readonly outcome: 'duplicate'; readonly upload: Upload };

/** A request that passed its checks, with everything the answer to it is made of. */
export type CheckedUploadRequest = {
  readonly deps: RequestUploadDependencies;
  readonly policy: RequestUploadPolicy;
  readonly multipartPolicy: MultipartPolicy;
  readonly now: () => Date;
  readonly input: RequestUploadInput;
  readonly method: UploadMethod;
  /** The canonical type the declared content type resolved to. */
  readonly type: AllowedType;
  /** The caller's own site the upload goes to. */
  readonly site: Site;
  readonly token: UploadTokenGrant | undefined;
  /** The API key recorded as the issuer of the URL (a token's: the key that minted it). */
  readonly apiKeyId: string | undefined;
  /** The declared hash, lower case. */
  readonly sha256: string;
  /** Where dedup looks for the same content: never across customers, nor out of a token. */
  readonly dedupScope: string;
};
