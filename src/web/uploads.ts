import { uploadMediaSet } from "../core/media.ts";
import type { WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";

/**
 * The compose form's file inputs (empty ones skipped) with their alt text, stored together through
 * the core function the API's uploads also go through; the cover goes with a video or audio file.
 * Returns the media ids for createPost.
 */
export async function uploadsFromForm(
  deps: WebDeps,
  accountId: string,
  form: { media?: File | File[]; description?: string | string[]; thumbnail?: File },
): Promise<string[]> {
  const texts = asList(form.description);
  const bytes = async (file: File) => new Uint8Array(await file.arrayBuffer());
  const thumbnail = form.thumbnail?.size ? await bytes(form.thumbnail) : undefined;
  const chosen = asList(form.media)
    .map((file, i) => ({ file, description: texts[i] ?? "" }))
    .filter(({ file }) => file.size > 0);
  const uploads = await Promise.all(
    chosen.map(async (c) => ({ bytes: await bytes(c.file), description: c.description, thumbnail })),
  );
  return uploadMediaSet(deps, accountId, uploads);
}
