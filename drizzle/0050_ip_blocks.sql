CREATE TABLE `ip_blocks` (
	`id` text PRIMARY KEY NOT NULL,
	`cidr` text NOT NULL,
	`severity` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`expires_at` integer,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ip_blocks_cidr_unique` ON `ip_blocks` (`cidr`);