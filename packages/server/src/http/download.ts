import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

/**
 * Answers 200 with a file's bytes (its length said, for a download's progress); resolves once the
 * file is closed, sent or not. `pipeline`, not `pipe`: when the client leaves mid-way, `pipe` left
 * the file stream paused and open for good, so this never resolved (a cut-off backup download held
 * up every later one, and an export's file stayed on disk).
 */
export async function sendDownload(
  res: ServerResponse,
  path: string,
  headers: Record<string, string>,
): Promise<void> {
  const { size } = await stat(path);
  res.writeHead(200, { ...headers, 'content-length': size });
  await pipeline(createReadStream(path), res).catch(() => {}); // the client left: nothing to answer
}
