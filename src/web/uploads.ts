import { uploadMedia } from "../core/media.ts";
import { MAX_MEDIA } from "../core/posts.ts";
import { ValidationError } from "../core/errors.ts";
import type { WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";

/**
 * The compose form's file inputs (empty ones skipped) with their alt text, stored through the
 * same core function as the API's media upload; the cover image goes with a video or audio file
 * (createPost refuses one beside other files). Returns the media ids for createPost.
 */
export async function uploadsFromForm(
  deps: WebDeps,
  accountId: string,
  form: { media?: File | File[]; description?: string | string[]; thumbnail?: File },
): Promise<string[]> {
  const texts = asList(form.description);
  const chosen = asList(form.media)
    .map((file, i) => ({ file, description: texts[i] ?? "" }))
    .filter(({ file }) => file.size > 0);
  if (chosen.length > MAX_MEDIA) throw new ValidationError({ media: `Attach at most ${MAX_MEDIA} images.` });
  const thumbnail = form.thumbnail?.size ? new Uint8Array(await form.thumbnail.arrayBuffer()) : undefined;
  const ids: string[] = [];
  for (const { file, description } of chosen) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    ids.push((await uploadMedia(deps, accountId, { bytes, description, thumbnail })).id);
  }
  return ids;
}
