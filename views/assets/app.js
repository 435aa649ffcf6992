// Small enhancements on top of pages that work without JavaScript.
// Character counter: counts like the server (and Mastodon): graphemes, any URL as 23 characters,
// a remote mention as its local part.
(() => {
  const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const urlPattern = /https?:\/\/[^\s<>"]+/g;
  const mentionDomain = /(^|[^\w/])(@[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[a-z0-9.-]+(?::\d+)?/gi;
  const count = (text) => [...graphemes.segment(text.replace(urlPattern, "x".repeat(23)).replace(mentionDomain, "$1$2"))].length;

  function wire(root) {
    for (const box of root.querySelectorAll("textarea[data-counter]")) {
      if (box.dataset.wired) continue;
      box.dataset.wired = "1";
      const output = document.getElementById(box.dataset.counter);
      const limit = Number(box.dataset.limit);
      const update = () => {
        const left = limit - count(box.value);
        output.textContent = String(left);
        output.classList.toggle("over", left < 0);
      };
      box.addEventListener("input", update);
      update();
    }
  }
  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("htmx:after:swap", (e) => wire(e.target instanceof Element ? e.target : document));
})();

// A picture cropped to its box keeps its focal point in view (Mastodon's focus: -1 to 1, y up). Set
// through the style object: the CSP allows no style attributes.
(() => {
  function wire(root) {
    for (const img of root.querySelectorAll("img[data-focus]")) {
      const [x, y] = img.dataset.focus.split(",").map(Number);
      img.style.objectPosition = `${((x + 1) / 2) * 100}% ${((1 - y) / 2) * 100}%`;
    }
  }
  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("htmx:after:swap", (e) => wire(e.target instanceof Element ? e.target : document));
})();

// An invite link's box selects its whole text when focused, ready to copy.
document.addEventListener("focusin", (e) => {
  if (e.target instanceof HTMLInputElement && e.target.classList.contains("invite-url")) e.target.select();
});

// The compose box's custom emoji: a click writes `:shortcode:` where the cursor is, with a space
// on each side where needed, and tells the counter.
document.addEventListener("click", (e) => {
  const button = e.target instanceof Element ? e.target.closest("button[data-emoji]") : null;
  const box = button?.form?.querySelector("textarea[name=status]");
  if (!box) return;
  const { selectionStart: start, selectionEnd: end, value } = box;
  const before = start > 0 && !/\s/.test(value[start - 1]) ? " " : "";
  const after = /^\s/.test(value.slice(end)) ? "" : " ";
  const text = before + button.dataset.emoji + after;
  box.setRangeText(text, start, end, "end");
  box.focus();
  box.dispatchEvent(new Event("input", { bubbles: true }));
});

// Times (a scheduled post's, an announcement's) are typed and shown in the member's own time zone:
// the hint names it, a time given in UTC (data-utc) is written in it, and the form sends the
// zone's offset at each chosen date in the field its input names (data-offset). Without
// JavaScript the page says and reads UTC.
(() => {
  const pad = (n) => String(n).padStart(2, "0");
  const zone = (date) => {
    const minutes = -date.getTimezoneOffset();
    const sign = minutes < 0 ? "-" : "+";
    return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  };
  const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  function wire(root) {
    for (const hint of root.querySelectorAll("[data-time-zone-hint]"))
      hint.textContent = `In your time zone (${zone(new Date())}). ${hint.dataset.timeZoneHint}`;
    for (const input of root.querySelectorAll("input[data-utc]")) {
      if (input.dataset.wired) continue;
      input.dataset.wired = "1";
      input.value = local(new Date(input.dataset.utc));
    }
    for (const time of root.querySelectorAll("time[data-local]")) time.textContent = format.format(new Date(time.dateTime));
    for (const option of root.querySelectorAll("option[data-local-at]"))
      option.textContent = option.dataset.localLabel.replace("%s", format.format(new Date(option.dataset.localAt)));
    // A post's "5m" tells its exact time on hover: in this zone too.
    for (const time of root.querySelectorAll("time[title]")) time.title = format.format(new Date(time.dateTime));
  }
  document.addEventListener("DOMContentLoaded", () => wire(document));
  // The whole page: a swap may put posts elsewhere than its target (a new post into the feed, "Load more").
  document.addEventListener("htmx:after:swap", () => wire(document));
  // Capturing, so the offset is in the form before htmx (or the browser) sends it.
  document.addEventListener(
    "submit",
    (e) => {
      for (const input of e.target.querySelectorAll?.("input[data-offset]") ?? []) {
        const offset = e.target.querySelector(`input[name="${input.dataset.offset}"]`);
        if (offset && input.value) offset.value = String(-new Date(input.value).getTimezoneOffset());
      }
    },
    true,
  );
})();

// A video chosen in the compose box gets a cover: a frame near its start, taken here and put in
// the cover field, unless the member chose a cover themselves. Without JavaScript (or for a video
// this browser cannot play) the post has none and players show its first frame.
(() => {
  const frameOf = (file) =>
    new Promise((resolve) => {
      const url = URL.createObjectURL(file);
      const video = document.createElement("video");
      const done = (blob) => {
        URL.revokeObjectURL(url);
        resolve(blob);
      };
      video.muted = true;
      video.preload = "auto";
      video.addEventListener("error", () => done(null));
      video.addEventListener("loadeddata", () => {
        video.currentTime = Math.max(0.05, Math.min(1, (video.duration || 0) / 3));
      });
      video.addEventListener(
        "seeked",
        () => {
          if (!video.videoWidth) return done(null);
          const canvas = document.createElement("canvas");
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          canvas.getContext("2d").drawImage(video, 0, 0);
          canvas.toBlob(done, "image/jpeg", 0.85);
        },
        { once: true },
      );
      video.src = url;
    });
  document.addEventListener("change", async (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement)) return;
    if (input.name === "thumbnail") delete input.dataset.taken;
    const cover = input.form?.querySelector("input[name=thumbnail]");
    if (!cover || !input.matches("[data-media-file]") || (cover.files.length > 0 && !cover.dataset.taken)) return;
    // A frame taken from a video that was then swapped for another file goes with it.
    if (cover.dataset.taken) {
      cover.value = "";
      delete cover.dataset.taken;
    }
    const file = input.files?.[0];
    if (!file?.type.startsWith("video/")) return;
    const blob = await frameOf(file);
    // Meanwhile the member may have chosen a cover, or another file: theirs stands.
    if (!blob || input.files?.[0] !== file || (cover.files.length > 0 && !cover.dataset.taken)) return;
    const chosen = new DataTransfer();
    chosen.items.add(new File([blob], "cover.jpg", { type: "image/jpeg" }));
    cover.files = chosen.files;
    cover.dataset.taken = "1";
  });
})();

// What a member was writing in a compose box is kept for this tab (sessionStorage) while they
// look elsewhere, and is back in the box when they return. The server's yes to a post (or to
// scheduling it) ends its draft; a refusal or a failed request keeps it. Logging out ends them all.
(() => {
  const PREFIX = "skein-draft:";
  const FIELDS = "textarea[name=status], input[name=spoiler_text]";
  const keyOf = (form) => PREFIX + form.dataset.draft;
  // What the page starts a field with when nothing was written (a reply's handles).
  const startOf = (field) => field.dataset.start ?? "";
  const read = (form) => {
    try {
      return JSON.parse(sessionStorage.getItem(keyOf(form)) ?? "null");
    } catch {
      return null;
    }
  };
  const wire = (root) => {
    const forms = root.matches?.("form[data-draft]") ? [root] : root.querySelectorAll("form[data-draft]");
    for (const form of forms) {
      const draft = read(form);
      if (!draft) continue;
      for (const field of form.querySelectorAll(FIELDS)) {
        // Only into a field as the page gave it, never over what the page or the member wrote since.
        if (draft[field.name] && field.value === startOf(field)) field.value = draft[field.name];
      }
      if (draft.spoiler_text) form.querySelector("details.compose-options")?.setAttribute("open", "");
      form.querySelector("textarea[name=status]")?.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };
  document.addEventListener("input", (e) => {
    const form = e.target instanceof Element && e.target.matches(FIELDS) ? e.target.closest("form[data-draft]") : null;
    if (!form) return;
    const fields = [...form.querySelectorAll(FIELDS)];
    if (fields.every((f) => f.value.trim() === startOf(f).trim())) sessionStorage.removeItem(keyOf(form));
    else sessionStorage.setItem(keyOf(form), JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, f.value]))));
  });
  document.addEventListener("htmx:after:request", (e) => {
    const response = e.detail?.ctx?.response;
    // A redirect is no yes: a session that ended leads to the login page.
    const posted = response && response.status >= 200 && response.status < 300 && !response.raw?.redirected;
    if (posted && e.target instanceof HTMLFormElement && e.target.dataset.draft) sessionStorage.removeItem(keyOf(e.target));
  });
  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("submit", (e) => {
    if (e.target instanceof HTMLFormElement && e.target.getAttribute("action") === "/logout")
      for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  });
  document.addEventListener("htmx:after:swap", (e) => wire(e.target instanceof Element ? e.target : document));
})();

// A picture chosen in the compose box shows beside its description, so the member sees what they
// post and what they describe. Other files (video, audio) show their name, as the input does.
// Any chosen file can be taken out again (a file input has no way of its own).
document.addEventListener("change", (e) => {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || !input.matches("[data-media-file]")) return;
  const row = input.closest(".image-row");
  row?.querySelector("img.media-preview")?.remove();
  row?.querySelector("button.remove-file")?.remove();
  const file = input.files?.[0];
  if (!row || !file) return;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link-button remove-file";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove ${file.name}`);
  remove.addEventListener("click", () => {
    input.value = "";
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
  input.after(remove);
  if (!file.type.startsWith("image/")) return;
  const preview = document.createElement("img");
  preview.className = "media-preview";
  preview.alt = "";
  // Once shown, the picture no longer needs its URL (the form may be swapped out without a change).
  preview.onload = preview.onerror = () => URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  input.after(preview);
});

// Pictures pasted into the compose box, or dropped on it, go into its empty file fields, which
// open so that each can be described.
(() => {
  const place = (form, files) => {
    const empty = [...form.querySelectorAll("input[data-media-file]")].filter((input) => !input.files?.length);
    for (const file of files) {
      const input = empty.shift();
      if (!input) break;
      const chosen = new DataTransfer();
      chosen.items.add(file);
      input.files = chosen.files;
      input.closest("details").open = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  };
  const media = (list) => [...(list ?? [])].filter((f) => /^(image|video|audio)\//.test(f.type));
  const composeOf = (target) => (target instanceof Element ? target.closest("form.compose") : null);
  const take = (e, list) => {
    const form = composeOf(e.target);
    const files = media(list);
    if (!form || files.length === 0) return;
    e.preventDefault();
    place(form, files);
  };
  document.addEventListener("paste", (e) => take(e, e.clipboardData?.files));
  document.addEventListener("drop", (e) => take(e, e.dataTransfer?.files));
  document.addEventListener("dragover", (e) => {
    if (composeOf(e.target) && [...(e.dataTransfer?.types ?? [])].includes("Files")) e.preventDefault();
  });
})();

// A file posted without a description: the member is asked once before it goes, as Mastodon
// asks; "Cancel" leads to the first empty description, and the next try posts (also where the
// browser suppresses dialogs). Choosing another file asks again. On window, capturing, so that
// it comes before htmx (or the browser) sends the form.
document.addEventListener("change", (e) => {
  if (e.target instanceof HTMLInputElement && e.target.matches("[data-media-file]") && e.target.form)
    delete e.target.form.dataset.altAsked;
});
// An open menu (a post's More, the navigation's More) closes on a click elsewhere, or on Escape,
// which gives the focus back to its button.
document.addEventListener("click", (e) => {
  for (const menu of document.querySelectorAll("details.more[open]")) if (!menu.contains(e.target)) menu.open = false;
});
document.addEventListener("keydown", (e) => {
  const menu = e.key === "Escape" ? document.activeElement?.closest?.("details.more[open]") : null;
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary")?.focus();
});

// The Notifications and Messages badges follow what arrives while a page stays open: asked every
// 30 seconds while the page is in view, and as soon as it comes back into view.
(() => {
  const links = () => ({
    notifications: document.querySelector('nav[aria-label="Main"] a[href="/notifications"]'),
    messages: document.querySelector('nav[aria-label="Main"] a[href="/messages"]'),
  });
  const show = (link, n) => {
    let badge = link.querySelector(".badge");
    if (!n) return badge?.remove();
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.append(badge);
    }
    const text = n > 99 ? "99+" : String(n);
    badge.textContent = text;
    badge.setAttribute("aria-label", `${text} unread`);
  };
  const ask = async () => {
    if (document.visibilityState !== "visible" || !links().notifications) return;
    const response = await fetch("/notifications/badges", { headers: { accept: "application/json" } }).catch(() => null);
    if (!response?.ok) return;
    const counts = await response.json();
    for (const [name, link] of Object.entries(links())) if (link) show(link, counts[name]);
  };
  setInterval(ask, 30_000);
  document.addEventListener("visibilitychange", ask);
})();

// "Copy link to post": offered where the page may write to the clipboard (HTTPS, or this machine).
(() => {
  function wire(root) {
    if (!navigator.clipboard) return;
    for (const button of root.querySelectorAll("button[data-copy][hidden]")) button.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("htmx:after:swap", () => wire(document));
  document.addEventListener("click", async (e) => {
    const button = e.target instanceof Element ? e.target.closest("button[data-copy]") : null;
    if (!button) return;
    button.dataset.label ??= button.textContent;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = "Link copied";
    } catch {
      button.textContent = "The browser did not allow copying";
    }
    setTimeout(() => {
      button.textContent = button.dataset.label;
      button.closest("details.more")?.removeAttribute("open");
    }, 1200);
  });
})();

// What cannot be undone is asked once more: a form's data-confirm, or its chosen option's.
window.addEventListener(
  "submit",
  (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.querySelector("input:checked[data-confirm]")?.dataset.confirm ?? form.dataset.confirm;
    if (!question || window.confirm(question)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
  },
  true,
);
window.addEventListener(
  "submit",
  (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.altAsked) return;
    // Files chosen now, and those uploaded already (a refused post's, a redraft's) not removed.
    const chosen = [...form.querySelectorAll("input[data-media-file]")].map((file) => [
      file.files?.length,
      file.closest(".image-row")?.querySelector("input[name=description]"),
    ]);
    const kept = [...form.querySelectorAll(".kept-file")].map((row) => [
      !row.querySelector("input[name=remove_media]")?.checked,
      row.querySelector("input[name=media_description]"),
    ]);
    const missing = [...chosen, ...kept].filter(([taken, description]) => taken && description && !description.value.trim());
    if (missing.length === 0) return;
    form.dataset.altAsked = "1";
    const question =
      missing.length === 1
        ? "One file has no description. People who cannot see it rely on one. Post without it?"
        : `${missing.length} files have no description. People who cannot see them rely on one. Post without them?`;
    if (window.confirm(question)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const first = missing[0][1];
    const details = first.closest("details");
    if (details) details.open = true;
    first.focus();
  },
  true,
);

// Suggestions while typing in the compose box: after `@name`, `#tag` or `:emoji` the page asks the
// server (/compose/suggestions, the member's session) and lists people (those they follow first),
// hashtags or custom emoji under the box. Arrows move, Enter or Tab takes one, Escape closes; a
// click takes one too. An input method's composition keeps its keys. Without JavaScript the words
// are typed in full.
(() => {
  const wordBefore = /(?:^|[^\p{L}\p{M}\p{N}_@#:/])([@#:][\p{L}\p{M}\p{N}_.-]*(?:@[\p{L}\p{M}\p{N}_.-]*)?)$/u;
  let serial = 0;

  function wire(root) {
    for (const box of root.querySelectorAll("textarea[name=status]")) {
      if (box.dataset.suggests) continue;
      box.dataset.suggests = "1";
      const list = document.createElement("ul");
      list.id = `${box.id}-suggestions-${++serial}`;
      list.className = "suggestions";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Suggestions");
      list.hidden = true;
      const status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      box.after(list, status);
      box.setAttribute("aria-autocomplete", "list");
      box.setAttribute("aria-controls", list.id);
      // The word being completed and where it starts; `asking` tells answers to drop when stale.
      let word = "";
      let start = 0;
      let asking = 0;
      let dismissed = false; // Escape: this word asks no more
      let timer;
      const options = () => [...list.querySelectorAll("[role=option]")];
      const close = () => {
        clearTimeout(timer);
        asking++;
        list.hidden = true;
        list.replaceChildren();
        status.textContent = "";
        box.removeAttribute("aria-activedescendant");
      };
      const select = (index) => {
        options().forEach((option, i) => {
          option.setAttribute("aria-selected", String(i === index));
          if (i !== index) return;
          box.setAttribute("aria-activedescendant", option.id);
          // Within the list only: the page itself does not scroll.
          if (option.offsetTop < list.scrollTop) list.scrollTop = option.offsetTop;
          else if (option.offsetTop + option.offsetHeight > list.scrollTop + list.clientHeight)
            list.scrollTop = option.offsetTop + option.offsetHeight - list.clientHeight;
        });
      };
      const take = (option) => {
        const end = start + word.length;
        // Only where the word still is, the caret right after it.
        if (box.value.slice(start, end) !== word || box.selectionStart !== end) return close();
        box.setRangeText(`${option.dataset.insert} `, start, end, "end");
        close();
        box.focus();
        box.dispatchEvent(new Event("input", { bubbles: true }));
      };
      const ask = async (asked, round) => {
        const response = await fetch(`/compose/suggestions?q=${encodeURIComponent(asked)}`, { headers: { accept: "text/html" } });
        const html = response.ok ? await response.text() : "";
        if (round !== asking || document.activeElement !== box) return; // closed, or typed on, meanwhile
        list.innerHTML = html;
        const found = options();
        if (found.length === 0) return close();
        found.forEach((option, i) => (option.id = `${list.id}-${i}`));
        list.hidden = false;
        status.textContent = `${found.length} ${found.length === 1 ? "suggestion" : "suggestions"}: arrows to choose, Enter to take.`;
        select(0);
      };
      const update = () => {
        if (box.selectionStart !== box.selectionEnd) return close();
        const match = wordBefore.exec(box.value.slice(0, box.selectionStart));
        const next = match ? match[1] : "";
        if (next === word && (dismissed || !list.hidden)) return;
        close();
        dismissed = false;
        word = next;
        start = box.selectionStart - word.length;
        if (word.length < (word.startsWith(":") ? 3 : 2)) return;
        const round = asking;
        timer = setTimeout(() => ask(word, round).catch(close), 150);
      };
      box.addEventListener("input", (e) => {
        if (!e.isComposing) update();
      });
      box.addEventListener("compositionend", update);
      // A caret moved by keys or a click: the word is another one, or none.
      box.addEventListener("click", update);
      box.addEventListener("keyup", (e) => {
        if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(e.key)) update();
      });
      box.addEventListener("keydown", (e) => {
        if (e.isComposing || e.keyCode === 229) return;
        // Escape also stops an answer still on its way.
        if (e.key === "Escape" && word) {
          // It closed something (a list, or one on its way): the key is spent. Again, it leaves the box.
          if (!list.hidden || !dismissed) e.preventDefault();
          close();
          dismissed = true;
          return;
        }
        if (list.hidden || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
        const found = options();
        const current = found.findIndex((option) => option.getAttribute("aria-selected") === "true");
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          select((current + (e.key === "ArrowDown" ? 1 : found.length - 1)) % found.length);
        } else if ((e.key === "Enter" || e.key === "Tab") && found[current]) {
          e.preventDefault();
          take(found[current]);
        }
      });
      box.addEventListener("blur", () => setTimeout(close, 150));
      // Pressing an option must not take the focus from the box first.
      list.addEventListener("mousedown", (e) => e.preventDefault());
      list.addEventListener("click", (e) => {
        const option = e.target instanceof Element ? e.target.closest("[role=option]") : null;
        if (option) take(option);
      });
    }
  }
  document.addEventListener("DOMContentLoaded", () => wire(document));
  document.addEventListener("htmx:after:swap", (e) => wire(e.target instanceof Element ? e.target : document));
})();

// Ctrl+Enter (⌘+Enter on a Mac) in a compose box sends it, as on Mastodon. A page opened at its
// compose box (a post's Reply, or "n" below) starts with the caret in it.
document.addEventListener("keydown", (e) => {
  const box = e.target;
  if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || e.isComposing || e.keyCode === 229) return;
  if (!(box instanceof HTMLTextAreaElement) || box.name !== "status" || !box.form) return;
  e.preventDefault();
  box.form.requestSubmit();
});
// After the load: going to a fragment moves the focus to it (here the form) until then.
window.addEventListener("load", () => {
  const box =
    location.hash === "#q"
      ? document.querySelector("main input[type=search][name=q]")
      : /^#(compose|reply)$/.test(location.hash) && document.querySelector(`${location.hash} textarea[name=status]`);
  // Not when the reader went somewhere else on the page while it loaded.
  if (!box || (document.activeElement !== document.body && document.activeElement !== box.form)) return;
  box.focus();
  box.setSelectionRange?.(box.value.length, box.value.length);
});

// Single-key shortcuts, as on Mastodon; the page's dialog#shortcuts lists them ("?" opens it)
// and holds where "g" then a key leads. j and k move between posts; the other keys act on the
// post moved to. Never while typing in a field or with Ctrl, Alt or ⌘ held, and not at all for a
// member who turned them off (the page then has no data-shortcuts).
(() => {
  const typing = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable || el.matches("textarea, select, input:not([type=checkbox], [type=radio], [type=button], [type=submit])"));
  const posts = () => [...document.querySelectorAll("main article.post")];
  const current = () => document.activeElement?.closest?.("main article.post") ?? null;
  /** The first element in a post that is its own, not in a post it quotes. */
  const own = (post, selector) =>
    [...post.querySelectorAll(selector)].find((el) => el.closest("article.post") === post && !el.closest(".quoted-post"));
  // A post folded behind a filter's warning is not acted on before the member chose to see it.
  const folded = (post) => own(post, "details.filtered-post:not([open])") !== undefined;
  let refocus = null; // the post an action swapped, to move back to once htmx put it back
  let refocusUntil = 0;
  let going = 0; // when "g" was pressed

  const focusPost = (post) => {
    if (!post) return;
    for (const menu of document.querySelectorAll("main details.more[open]")) menu.open = false;
    post.tabIndex = -1;
    post.focus({ preventScroll: true });
    post.scrollIntoView({ block: "nearest" });
  };
  const move = (step) => {
    const list = posts();
    const at = list.indexOf(current());
    if (at === -1) return focusPost(list.find((post) => post.getBoundingClientRect().bottom > 0) ?? list[0]);
    if (list[at + step]) return focusPost(list[at + step]);
    // Past the last post: the page's "Load more" brings the next ones (j again then moves on).
    if (step > 0) document.querySelector("main .load-more")?.click();
  };
  const act = (post, actions) => {
    const form = actions.map((action) => own(post, `footer.actions form[action$="/${action}"]`)).find(Boolean);
    if (!form || folded(post)) return;
    refocus = post.id;
    refocusUntil = Date.now() + 10_000; // a request that never swaps leaves no refocus behind
    form.requestSubmit();
  };
  const toggle = (details) => {
    if (details && !folded(details.closest("article.post"))) details.open = !details.open;
  };
  const go = (href) => {
    if (href) location.assign(href);
  };
  const onPost = {
    o: (post) => go(own(post, "a.permalink")?.href),
    r: (post) => go(own(post, 'footer.actions a[href$="#reply"]')?.href),
    p: (post) => go(own(post, "a.author")?.href),
    f: (post) => act(post, ["favourite", "unfavourite"]),
    b: (post) => act(post, ["reblog", "unreblog"]),
    d: (post) => act(post, ["bookmark", "unbookmark"]),
    x: (post) => toggle(own(post, "details.content-warning")),
    h: (post) => toggle(own(post, "details.media-hidden")),
  };

  document.addEventListener("keydown", (e) => {
    if (!document.body.hasAttribute("data-shortcuts") || e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) {
      // Escape leaves the field (after the suggestions list had its say), so the keys work again.
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    const dialog = document.getElementById("shortcuts");
    if (Date.now() - going < 1500) {
      going = 0;
      const place = dialog?.querySelector(`[data-go="g ${CSS.escape(e.key)}"]`);
      if (place) {
        e.preventDefault();
        go(place.dataset.href);
      }
      return;
    }
    const post = current();
    let handled = true;
    if (e.key === "?") dialog?.showModal();
    else if (e.key === "j") move(1);
    else if (e.key === "k") move(-1);
    else if (e.key === "g") going = Date.now();
    else if (e.key === "/") {
      const search = document.querySelector("main input[type=search][name=q]");
      if (search) search.select();
      else go("/search#q");
      search?.focus();
    } else if (e.key === "n" && document.querySelector("form[action='/logout']")) {
      const box = document.querySelector("form#compose textarea[name=status]");
      if (box) box.focus();
      else go("/compose#compose");
    } else if (e.key === "Enter" && post && document.activeElement === post) onPost.o(post);
    else if (post && Object.hasOwn(onPost, e.key)) onPost[e.key](post);
    else handled = false;
    if (handled) e.preventDefault();
  });
  // After an action htmx swaps the post for its new state: the keys stay on it.
  document.addEventListener("htmx:after:swap", () => {
    const post = refocus && Date.now() < refocusUntil && document.getElementById(refocus);
    refocus = null;
    if (post && (document.activeElement === document.body || !document.activeElement)) focusPost(post);
  });
  document.addEventListener("click", (e) => {
    if (e.target instanceof Element && e.target.closest("[data-open-shortcuts]")) document.getElementById("shortcuts")?.showModal();
  });
  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.hasAttribute("data-shortcuts")) for (const link of document.querySelectorAll(".shortcuts-link")) link.hidden = false;
  });
})();

// A row of tabs that scrolls sideways (on a phone) shows the current one.
document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll(".tabs [aria-current=page]")) {
    const row = tab.parentElement;
    // In the middle, so the tabs on both sides show that the row goes on.
    if (row.scrollWidth > row.clientWidth) row.scrollLeft = tab.offsetLeft - row.offsetLeft - (row.clientWidth - tab.offsetWidth) / 2;
  }
});

// A field the server marked wrong stops saying so once the member changes it: the message was
// about what they had sent, not what they are typing now. A new refusal marks it again.
document.addEventListener("input", (e) => {
  // Typed by the member (the page's own scripts send input events too, to update the counter).
  const field = e.isTrusted && e.target instanceof Element ? e.target.closest(".field.invalid") : null;
  if (!field) return;
  field.classList.remove("invalid");
  for (const input of field.querySelectorAll("[aria-invalid=true]")) input.removeAttribute("aria-invalid");
  for (const message of field.querySelectorAll(":scope > p.error")) message.remove();
});

// A tap on a picture opens it large in a viewer, as Mastodon's does: the original, its
// description under it, Previous and Next through the post's other pictures (also the arrow
// keys), Escape or a tap outside to close. A modified click (new tab), or no JavaScript, opens the
// original as a link.
(() => {
  let dialog;
  let pictures = [];
  let index = 0;
  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "media-viewer";
    dialog.setAttribute("aria-label", "Picture");
    dialog.innerHTML =
      '<figure><img alt=""><figcaption></figcaption></figure><div class="viewer-controls">' +
      '<button type="button" class="secondary" data-step="-1">Previous</button><span class="viewer-count" aria-live="polite"></span>' +
      '<button type="button" class="secondary" data-step="1">Next</button>' +
      '<a class="viewer-original" target="_blank" rel="noopener">Open the original</a>' +
      '<button type="button" data-close>Close</button></div>';
    dialog.addEventListener("click", (e) => {
      const step = e.target.closest?.("[data-step]");
      if (step) show(index + Number(step.dataset.step));
      // The backdrop is the dialog itself: a tap beside the picture closes it.
      else if (e.target === dialog || e.target.closest?.("[data-close]")) dialog.close();
    });
    dialog.addEventListener("keydown", (e) => {
      if (e.key === "ArrowLeft") show(index - 1);
      if (e.key === "ArrowRight") show(index + 1);
    });
    document.body.append(dialog);
  }
  function show(i) {
    index = (i + pictures.length) % pictures.length;
    const link = pictures[index];
    const alt = link.querySelector("img")?.alt ?? "";
    const img = dialog.querySelector("figure img");
    img.src = link.href;
    img.alt = alt;
    dialog.querySelector("figcaption").textContent = alt;
    dialog.querySelector(".viewer-original").href = link.href;
    dialog.querySelector(".viewer-count").textContent = pictures.length > 1 ? `${index + 1} of ${pictures.length}` : "";
    for (const b of dialog.querySelectorAll("[data-step]")) b.hidden = pictures.length < 2;
  }
  document.addEventListener("click", (e) => {
    const link = e.target instanceof Element ? e.target.closest(".media-picture > a") : null;
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (!dialog) build();
    pictures = [...link.closest(".media-grid").querySelectorAll(".media-picture > a")];
    show(pictures.indexOf(link));
    dialog.showModal();
  });
})();
