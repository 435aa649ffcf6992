ALTER TABLE `accounts` ADD `also_known_as` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `accounts` ADD `moved_to_id` text REFERENCES accounts(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `accounts` ADD `moved_at` integer;