CREATE TABLE `analysis_decisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`verdict` text NOT NULL,
	`rule_id` text,
	`source` text,
	`metric` text,
	`comparison` text,
	`canary_value` real,
	`baseline_value` real,
	`threshold` real,
	`window_seconds` real NOT NULL,
	`for_ms` integer,
	`satisfied_at` integer NOT NULL,
	`sentence` text NOT NULL,
	`outcome` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `analysis_decisions_rollout` ON `analysis_decisions` (`rollout_id`,`id`);--> statement-breakpoint
CREATE TABLE `analysis_state` (
	`rollout_id` integer PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`verdict` text NOT NULL,
	`reasons` text NOT NULL,
	`health` text,
	`score` integer,
	`canary` text,
	`baseline` text,
	`evaluated_at` integer NOT NULL,
	`evaluations` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `resource_samples` (
	`service_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`second` integer NOT NULL,
	`variant` text NOT NULL,
	`version` text NOT NULL,
	`cpu_pct` real NOT NULL,
	`rss_bytes` integer NOT NULL,
	`memory_pct` real NOT NULL,
	PRIMARY KEY(`service_id`, `environment_id`, `second`, `variant`)
);
--> statement-breakpoint
CREATE TABLE `service_analysis` (
	`service_id` integer PRIMARY KEY NOT NULL,
	`config` text NOT NULL,
	`updated_at` integer NOT NULL,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TRIGGER `analysis_decisions_no_update` BEFORE UPDATE ON `analysis_decisions` BEGIN SELECT RAISE(ABORT, 'analysis_decisions is append-only'); END;
--> statement-breakpoint
CREATE TRIGGER `analysis_decisions_no_delete` BEFORE DELETE ON `analysis_decisions` BEGIN SELECT RAISE(ABORT, 'analysis_decisions is append-only'); END;
