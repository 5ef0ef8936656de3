import { open, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync of a file, or of a folder (the names in it). */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Puts a complete file in the place of `path` in one rename, durably: its bytes are on disk before
 * the rename, and the rename is on disk before this resolves. A crash leaves the old file or the new.
 */
export async function replaceDurably(temp: string, path: string): Promise<void> {
  await fsyncPath(temp);
  await rename(temp, path);
  await fsyncPath(dirname(path));
}

/** Writes `data` to `path` durably: a temporary file beside it, then `replaceDurably`. */
export async function writeDurably(path: string, data: Buffer): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, data);
  await replaceDurably(temp, path);
}
