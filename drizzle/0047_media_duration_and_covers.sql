ALTER TABLE `media_attachments` ADD `thumbnail_remote_url` text;--> statement-breakpoint
ALTER TABLE `media_attachments` ADD `duration` real;