CREATE TABLE `custom_emojis` (
	`id` text PRIMARY KEY NOT NULL,
	`domain` text NOT NULL,
	`shortcode` text NOT NULL,
	`url` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `custom_emojis_domain_shortcode` ON `custom_emojis` (`domain`,`shortcode`);