CREATE TABLE `calendar_windows` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`recurrence` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `health_probes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`environment_id` integer NOT NULL,
	`url` text,
	`service_id` integer,
	`expect_status` integer DEFAULT 200 NOT NULL,
	`timeout_ms` integer DEFAULT 2000 NOT NULL,
	`degraded_ms` integer DEFAULT 1000 NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `migration_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`migration_id` text NOT NULL,
	`kind` text NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`output` text DEFAULT '' NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `migration_runs_release` ON `migration_runs` (`release_id`,`environment_id`);--> statement-breakpoint
CREATE TABLE `overrides` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`action` text NOT NULL,
	`environment_id` integer NOT NULL,
	`reason` text NOT NULL,
	`created_by` integer NOT NULL,
	`ttl_minutes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_by` integer,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`revoked_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `overrides_active` ON `overrides` (`expires_at`);--> statement-breakpoint
CREATE TABLE `preflight_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`check` text NOT NULL,
	`role` text,
	`status` text NOT NULL,
	`evidence` text,
	`decided_by` integer,
	`decided_at` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `preflight_release` ON `preflight_items` (`release_id`);--> statement-breakpoint
CREATE TABLE `probe_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`probe_id` integer NOT NULL,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	`status` integer,
	`ms` integer NOT NULL,
	`detail` text NOT NULL,
	FOREIGN KEY (`probe_id`) REFERENCES `health_probes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `probe_results_probe` ON `probe_results` (`probe_id`,`at`);--> statement-breakpoint
CREATE TABLE `security_gate` (
	`id` integer PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`threat_level` text NOT NULL,
	`lockdown_reason` text,
	`updated_by` integer,
	`updated_at` integer NOT NULL,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `validation_gates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`validation_id` integer NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`status` text NOT NULL,
	`detail` text,
	FOREIGN KEY (`validation_id`) REFERENCES `validations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `validation_gates_validation` ON `validation_gates` (`validation_id`);--> statement-breakpoint
CREATE TABLE `validations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`status` text NOT NULL,
	`fingerprint` text NOT NULL,
	`started_by` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`started_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `validations_release` ON `validations` (`release_id`,`environment_id`);--> statement-breakpoint
ALTER TABLE `approvals` ADD `kind` text DEFAULT 'production' NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `sev1` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `soak_minutes` integer DEFAULT 1440 NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `monitoring_minutes` integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `deployment_plan` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `phase_entered_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `releases` ADD `postmortem_due_at` integer;--> statement-breakpoint
ALTER TABLE `releases` ADD `merge_back_reminder` text;--> statement-breakpoint
ALTER TABLE `rollouts` ADD `deadline_at` integer;--> statement-breakpoint
INSERT INTO `security_gate` (`id`, `mode`, `threat_level`, `updated_at`) VALUES (1, 'enforce', 'none', 0);
--> statement-breakpoint
INSERT INTO `calendar_windows` (`kind`, `name`, `recurrence`, `starts_at`, `ends_at`, `created_at`) VALUES
  ('freeze', 'Holiday freeze (Dec 24-26)', 'yearly', 977616000000, 977875200000, 0),
  ('freeze', 'New Year freeze (Dec 31-Jan 2)', 'yearly', 978220800000, 978480000000, 0),
  ('maintenance', 'Monthly maintenance (first Tuesday 02:00-04:00 UTC)', 'monthly_first_tuesday', 946951200000, 946958400000, 0);
