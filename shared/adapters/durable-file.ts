import { randomUUID } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `path` holding `data`, unless something is already there, and makes it durable.
 * Returns true when this call created the file and false when `path` already existed (it is then
 * left untouched). Missing parent directories are created with `directoryMode`.
 *
 * Steps, and why in this order:
 * 1. write a uniquely named temp file beside `path` and fsync it, so the data is on disk before
 *    any name points at it;
 * 2. hard-link it to `path`: link never replaces an existing file, and readers see either no file
 *    or the complete one, never a partial write;
 * 3. unlink the temp name, then fsync the directory (and any directory created on the way) so
 *    the new name survives a crash.
 * A crash before step 2 leaves only a temp file (its name starts with `.`), never a partial `path`.
 */
export async function createFileOnce(options: {
  path: string;
  data: Uint8Array;
  mode: number;
  directoryMode: number;
}): Promise<boolean> {
  const directory = dirname(options.path);
  const firstCreated = await mkdir(directory, { recursive: true, mode: options.directoryMode });
  const temp = `${directory}/.tmp-${randomUUID()}`;
  const handle = await open(temp, 'wx', options.mode);
  try {
    await handle.writeFile(options.data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  let created = true;
  try {
    await link(temp, options.path);
  } catch (error) {
    if (!isErrnoError(error, 'EEXIST')) throw error;
    created = false;
  } finally {
    await unlink(temp);
  }
  await syncDirectories(directory, firstCreated);
  return created;
}

/** True when a Node.js system call failed with `code` (e.g. 'ENOENT', 'EEXIST'). */
export function isErrnoError(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Fsyncs `directory`, and when mkdir created directories down from `firstCreated`, their parents too.
 * The fsyncs are independent (each makes one directory's entries durable), so they run at once: a new
 * record directory and its parent then cost one wait rather than two. Resolves once all are done.
 */
async function syncDirectories(directory: string, firstCreated: string | undefined): Promise<void> {
  const stop = firstCreated === undefined ? directory : dirname(firstCreated);
  const directories = [directory];
  for (let current = directory; current !== stop && current !== dirname(current); ) {
    current = dirname(current);
    directories.push(current);
  }
  await Promise.all(directories.map(syncDirectory));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
