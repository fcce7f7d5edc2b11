CREATE TABLE `step_hooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service_id` integer NOT NULL,
	`stage` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`method` text DEFAULT 'POST' NOT NULL,
	`body_template` text,
	`timeout_ms` integer DEFAULT 10000 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`retry_delay_ms` integer DEFAULT 5000 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `step_hooks_service_name` ON `step_hooks` (`service_id`,`name`);--> statement-breakpoint
CREATE INDEX `step_hooks_service_stage` ON `step_hooks` (`service_id`,`stage`);--> statement-breakpoint
ALTER TABLE `feature_flags` ADD `external_url` text;--> statement-breakpoint
ALTER TABLE `feature_flags` ADD `external_body` text;