CREATE TABLE `local_emojis` (
	`id` text PRIMARY KEY NOT NULL,
	`shortcode` text NOT NULL,
	`mime` text NOT NULL,
	`path` text NOT NULL,
	`static_path` text NOT NULL,
	`category` text,
	`visible_in_picker` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `local_emojis_shortcode` ON `local_emojis` ("shortcode" COLLATE NOCASE);