ALTER TABLE `accounts` ADD `attribution_domains` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `preview_cards` ADD `author_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `preview_cards` ADD `author_account_id` text REFERENCES accounts(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `preview_cards` ADD `author_site` text;