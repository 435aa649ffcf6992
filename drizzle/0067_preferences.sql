ALTER TABLE `users` ADD `default_sensitive` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `default_language` text;--> statement-breakpoint
ALTER TABLE `users` ADD `expand_spoilers` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `media_display` text DEFAULT 'default' NOT NULL;