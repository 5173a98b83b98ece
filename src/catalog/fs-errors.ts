// What a failed file operation means, in words a user acts on: "no such
// file", "permission denied", "is a folder", not "ENOENT: ..., open '...'".
// Light on purpose (no imports): the command line's error handling loads it
// at start-up.

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
  EEXIST: 'already exists',
  EBUSY: 'resource busy',
  EXDEV: 'cannot rename across file systems',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ENOTFOUND: 'no such host',
};

/** True for Node's system errors (they carry an errno code such as ENOENT). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code!) && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** The reason of a system error in words, with its code: "no such file or folder (ENOENT)". */
export function fsReason(err: unknown): string {
  if (!isSystemError(err)) return err instanceof Error ? err.message : String(err);
  const words = REASONS[err.code];
  return words ? `${words} (${err.code})` : err.message;
}
