CREATE TABLE `relays` (
	`id` text PRIMARY KEY NOT NULL,
	`inbox_url` text NOT NULL,
	`state` text DEFAULT 'idle' NOT NULL,
	`follow_uri` text,
	`actor_uri` text,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`state_changed_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `relays_inbox_url_unique` ON `relays` (`inbox_url`);--> statement-breakpoint
CREATE UNIQUE INDEX `relays_follow_uri_unique` ON `relays` (`follow_uri`);