import { uploadImage } from "../core/media.ts";
import { MAX_MEDIA } from "../core/posts.ts";
import { ValidationError } from "../core/errors.ts";
import type { WebDeps } from "./context.ts";
import { asList } from "./form-values.ts";

/**
 * The compose form's image inputs (empty ones skipped) with their alt text, stored through the
 * same core function as the API's media upload. Returns the media ids for createPost.
 */
export async function uploadsFromForm(
  deps: WebDeps,
  accountId: string,
  files: File | File[] | undefined,
  descriptions: string | string[] | undefined,
): Promise<string[]> {
  const texts = asList(descriptions);
  const chosen = asList(files)
    .map((file, i) => ({ file, description: texts[i] ?? "" }))
    .filter(({ file }) => file.size > 0);
  if (chosen.length > MAX_MEDIA) throw new ValidationError({ media: `Attach at most ${MAX_MEDIA} images.` });
  const ids: string[] = [];
  for (const { file, description } of chosen) {
    const media = await uploadImage(deps, accountId, { bytes: new Uint8Array(await file.arrayBuffer()), description });
    ids.push(media.id);
  }
  return ids;
}
