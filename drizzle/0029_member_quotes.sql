ALTER TABLE `posts` ADD `quote_pending` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `posts` ADD `quote_authorization` text;