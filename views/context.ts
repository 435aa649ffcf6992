import type { Role } from "../src/db/schema.ts";
import type { EmojiView } from "../src/core/custom-emojis.ts";
import type { Preferences } from "../src/core/preferences.ts";

/** What every page needs to draw its frame: the instance, who is looking, the CSRF token. */
export interface PageContext {
  instanceName: string;
  viewer: {
    username: string;
    displayName: string;
    avatarUrl: string | null;
    role: Role;
    /** May make invite links (staff, or members when the instance allows it). */
    canInvite: boolean;
    /** Where the compose box starts, and how posts read for them. */
    preferences: Preferences;
    /** The instance's custom emoji the compose box offers. */
    pickerEmojis: () => EmojiView[];
    /** For staff: what waits for them (the admin tabs' counts), read when a page shows the tabs. */
    staffQueue?: () => { reports: number; appeals: number; signups: number };
    /** The language posts are translated into for them, when the instance has a translation service. */
    translateTo?: string;
  } | null;
  csrf: string;
  /** Unread notifications, for the badge in the navigation. */
  unread: number;
  /** Conversations with unread messages, for the Messages badge. */
  unreadMessages: number;
  /** The current path, to mark the current navigation item. */
  path: string;
  /** Whether a visitor is offered "Sign up" (not while sign-ups are closed, nor before the setup). */
  signUps?: boolean;
}
