CREATE TABLE `provider_samples` (
	`service_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`second` integer NOT NULL,
	`variant` text NOT NULL,
	`version` text NOT NULL,
	`requests` real NOT NULL,
	`errors_5xx` real NOT NULL,
	`p95_ms` real,
	PRIMARY KEY(`service_id`, `environment_id`, `second`, `variant`)
);
--> statement-breakpoint
ALTER TABLE `metric_samples` ADD `latency_hist` text;