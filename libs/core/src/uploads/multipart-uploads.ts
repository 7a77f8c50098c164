/**
 * What a client does with its own pending upload: ask for part URLs, list the
 * stored parts, complete the parts into the object, or cancel the upload.
 * Another customer's upload is answered exactly like a missing one (404).
 */
import { AppError, Errors } from '../errors.ts';
import { uploadUrlLifetimeSeconds, type ExpiryPolicy } from '../expiry-policy.ts';
import {
  checkStoredParts,
  partClaimIssues,
  type PartPlan,
  type StoredPart,
} from './multipart-plan.ts';
import { callerMaySee } from '../upload-tokens/upload-token.ts';
import type { MultipartStore, MultipartTarget, UploadRepository } from './upload.ports.ts';
import type { Upload } from './upload.types.ts';

export type UploadActionsDependencies = {
  readonly uploads: UploadRepository;
  readonly store: MultipartStore;
  readonly now?: () => Date;
};

export type UploadActionsPolicy = { readonly expiry: ExpiryPolicy };

export type OwnUpload = {
  /** The customer the caller's API key belongs to. */
  readonly callerCustomerId: string;
  /** Set when an upload token asks: only the uploads it created are its own. */
  readonly uploadTokenId?: string | undefined;
  readonly uploadId: string;
};

export type PartRequest = {
  readonly partNumber: number;
  readonly size: number;
  /** Hex SHA-256 of the part's bytes. */
  readonly sha256: string;
};

export type SignedPart = {
  readonly partNumber: number;
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
};

export type ListedParts = PartPlan & { readonly parts: readonly StoredPart[] };

const storeGone = (uploadId: string) =>
  new AppError(
    'upload_not_pending',
    `Upload ${uploadId}: its multipart upload no longer exists in the store; cancel it and start again`,
    { state: 'pending' },
  );

export function createUploadActions(deps: UploadActionsDependencies, policy: UploadActionsPolicy) {
  const now = deps.now ?? (() => new Date());

  async function own(request: OwnUpload): Promise<Upload> {
    const upload = await deps.uploads.find(request.uploadId);
    if (
      !upload ||
      !callerMaySee(
        { customerId: request.callerCustomerId, uploadTokenId: request.uploadTokenId },
        upload,
      )
    ) {
      throw Errors.uploadNotFound(request.uploadId);
    }
    return upload;
  }

  function multipartOf(upload: Upload): { target: MultipartTarget; plan: PartPlan } {
    if (!upload.multipartUploadId || !upload.partSize || !upload.partCount) {
      throw Errors.uploadNotMultipart(upload.id);
    }
    return {
      target: { bucket: upload.bucket, key: upload.key, uploadId: upload.multipartUploadId },
      plan: { partSize: upload.partSize, partCount: upload.partCount },
    };
  }

  /** Parts are taken only while pending and not yet completed. */
  function requireOpen(upload: Upload): void {
    if (upload.state !== 'pending') throw Errors.uploadNotPending(upload.id, upload.state);
    if (upload.multipartCompletedAt) throw Errors.uploadInProgress(upload.id);
  }

  /** After a compare-and-set lost, or the store lost track: the answer if the upload moved on. */
  async function throwIfMovedOn(upload: Upload): Promise<void> {
    const current = await deps.uploads.find(upload.id);
    if (!current) throw Errors.uploadNotFound(upload.id);
    requireOpen(current);
  }

  async function lostRace(upload: Upload): Promise<never> {
    await throwIfMovedOn(upload);
    throw Errors.uploadNotPending(upload.id, upload.state);
  }

  /**
   * Presigned UploadPart URLs, each signing its part's length and SHA-256;
   * part numbers outside the plan, repeated, or sizes other than the plan's are
   * 400. A part may be asked for again (a retry, a resume).
   */
  async function signParts(
    request: OwnUpload & {
      readonly parts: readonly PartRequest[];
      readonly apiKeyId?: string | undefined;
    },
  ): Promise<SignedPart[]> {
    const upload = await own(request);
    const { target, plan } = multipartOf(upload);
    requireOpen(upload);
    const issues = partClaimIssues(upload.declaredSize, plan, request.parts);
    if (issues.length > 0) {
      throw Errors.invalidRequest('The parts do not match the upload’s plan', { issues });
    }
    // The key asking is the issuer of these URLs (a revoked issuer's bytes are refused).
    const current = await deps.uploads.extendPending(upload.id, upload.expiresAt, request.apiKeyId);
    if (!current) return lostRace(upload);
    const leftSeconds = Math.floor((current.expiresAt.getTime() - now().getTime()) / 1000);
    if (leftSeconds < 1) throw Errors.uploadNotPending(upload.id, 'expired');
    return Promise.all(
      request.parts.map(async (part) => {
        const expiresInSeconds = Math.min(
          leftSeconds,
          uploadUrlLifetimeSeconds(part.size, policy.expiry),
        );
        const signed = await deps.store.presignPart({
          ...target,
          partNumber: part.partNumber,
          contentLength: part.size,
          sha256Hex: part.sha256.toLowerCase(),
          expiresInSeconds,
        });
        return {
          partNumber: part.partNumber,
          method: 'PUT' as const,
          url: signed.url,
          headers: signed.headers,
          expiresAt: new Date(now().getTime() + expiresInSeconds * 1000),
        };
      }),
    );
  }

  /** What the store holds of a pending multipart upload. */
  async function listParts(request: OwnUpload): Promise<ListedParts> {
    const upload = await own(request);
    const { target, plan } = multipartOf(upload);
    requireOpen(upload);
    const parts = await deps.store.listParts(target);
    if (!parts) {
      await throwIfMovedOn(upload);
      throw storeGone(upload.id);
    }
    return { ...plan, parts: [...parts].sort((a, b) => a.partNumber - b.partNumber) };
  }

  /**
   * Lists the stored parts, checks them against the plan and completes the
   * object; its ObjectCreated event then drives the verifier like a PUT's.
   * Asked again once completed: the upload as it is (idempotent).
   */
  async function complete(
    request: OwnUpload & { readonly apiKeyId?: string | undefined },
  ): Promise<Upload> {
    const upload = await own(request);
    const { target, plan } = multipartOf(upload);
    if (upload.multipartCompletedAt) return upload;
    if (upload.state !== 'pending') throw Errors.uploadNotPending(upload.id, upload.state);
    const stored = await deps.store.listParts(target);
    if (!stored) return afterGone(upload);
    const check = checkStoredParts(upload.declaredSize, plan, stored);
    if (!check.ok) {
      if ('mismatched' in check) throw Errors.partsMismatch(check.mismatched);
      throw Errors.partsMissing(check.missing);
    }
    if ((await deps.store.complete({ ...target, parts: check.parts })) === 'gone') {
      return afterGone(upload);
    }
    return (
      (await deps.uploads.markMultipartCompleted(upload.id, request.apiKeyId)) ??
      (await deps.uploads.find(upload.id)) ??
      upload
    );
  }

  /** The store has no such multipart upload: completed by a concurrent request, or aborted. */
  async function afterGone(upload: Upload): Promise<Upload> {
    const current = await deps.uploads.find(upload.id);
    if (current?.multipartCompletedAt) return current;
    if (current && current.state !== 'pending') {
      throw Errors.uploadNotPending(current.id, current.state);
    }
    throw storeGone(upload.id);
  }

  /**
   * Cancels a pending upload of either kind: the multipart upload (if any) is
   * aborted in the store, then the upload moves to `expired` with reason
   * `cancelled` (a compare-and-set with its audit event, so the webhook goes
   * out). Bytes that still arrive for it are quarantined by the verifier.
   */
  async function cancel(request: OwnUpload & { readonly actor: string }): Promise<Upload> {
    const upload = await own(request);
    requireOpen(upload);
    if (upload.multipartUploadId) await deps.store.abort(multipartOf(upload).target);
    return (await deps.uploads.cancelPending(upload.id, request.actor)) ?? lostRace(upload);
  }

  return { signParts, listParts, complete, cancel };
}

export type UploadActions = ReturnType<typeof createUploadActions>;
