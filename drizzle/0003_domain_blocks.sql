CREATE TABLE `domain_blocks` (
	`domain` text PRIMARY KEY NOT NULL,
	`severity` text NOT NULL,
	`reject_media` integer DEFAULT false NOT NULL,
	`reject_reports` integer DEFAULT false NOT NULL,
	`public_comment` text DEFAULT '' NOT NULL,
	`private_comment` text DEFAULT '' NOT NULL,
	`obfuscate` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
