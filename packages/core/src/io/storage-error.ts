/** Errors of the storage rather than of peftkit: the user can fix them (free space, permissions). */
const STORAGE_CODES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** True for a Node fs error caused by the disk or its permissions (ENOSPC, EDQUOT, EROFS, EACCES, EPERM). */
export function isStorageError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in STORAGE_CODES;
}

/**
 * Makes sure a storage error names the path it was about: Node's write/fsync errors on an open
 * handle carry no path ("ENOSPC: no space left on device, write"), so the caller's target is
 * attached. Returns `err` for rethrowing.
 */
export function attachPath(err: unknown, target: string, tempPath?: string): unknown {
  // The hidden temp sibling of an atomic write means nothing to the user: name the target.
  if (isStorageError(err) && (!err.path || err.path === tempPath)) err.path = target;
  return err;
}

/**
 * One line for people: `cannot write runs/a/adapter_model.safetensors: no space left on the
 * device (ENOSPC)`.
 */
export function storageErrorMessage(err: NodeJS.ErrnoException): string {
  const code = err.code ?? 'EIO';
  const what = STORAGE_CODES[code] ?? err.message;
  const where = err.path ?? (err.message.match(/'([^']+)'/)?.[1] as string | undefined);
  return `cannot write ${where ?? '(unknown path)'}: ${what} (${code})`;
}
