CREATE TABLE `metric_samples` (
	`service_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`second` integer NOT NULL,
	`variant` text NOT NULL,
	`version` text NOT NULL,
	`requests` integer NOT NULL,
	`errors_5xx` integer NOT NULL,
	`p50_ms` real NOT NULL,
	`p95_ms` real NOT NULL,
	`p99_ms` real NOT NULL,
	`mean_ms` real NOT NULL,
	PRIMARY KEY(`service_id`, `environment_id`, `second`, `variant`)
);
