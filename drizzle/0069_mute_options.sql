ALTER TABLE `import_rows` ADD `hide_notifications` integer;--> statement-breakpoint
ALTER TABLE `mutes` ADD `notifications` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `mutes` ADD `expires_at` integer;--> statement-breakpoint
CREATE INDEX `mutes_expiry_idx` ON `mutes` (`expires_at`) WHERE "mutes"."expires_at" IS NOT NULL;