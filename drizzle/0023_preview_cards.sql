CREATE TABLE `post_cards` (
	`post_id` text PRIMARY KEY NOT NULL,
	`card_id` text NOT NULL,
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`card_id`) REFERENCES `preview_cards`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `post_cards_card_idx` ON `post_cards` (`card_id`);--> statement-breakpoint
CREATE TABLE `preview_cards` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`image_url` text,
	`provider_name` text DEFAULT '' NOT NULL,
	`fetched_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `preview_cards_url_unique` ON `preview_cards` (`url`);