CREATE TABLE `post_translations` (
	`post_id` text NOT NULL,
	`language` text NOT NULL,
	`version` integer NOT NULL,
	`content_html` text NOT NULL,
	`spoiler_text` text DEFAULT '' NOT NULL,
	`poll_options` text DEFAULT '[]' NOT NULL,
	`media` text DEFAULT '[]' NOT NULL,
	`detected_language` text,
	`provider` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`post_id`, `language`),
	FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`) ON UPDATE no action ON DELETE cascade
);
