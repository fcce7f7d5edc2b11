CREATE TABLE `ci_gate_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service_id` integer NOT NULL,
	`commit` text NOT NULL,
	`rollout_id` integer,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`passed` integer NOT NULL,
	`code` integer,
	`output` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `ci_gate_runs_service_commit` ON `ci_gate_runs` (`service_id`,`commit`,`at`);--> statement-breakpoint
CREATE TABLE `promote_gates_config` (
	`service_id` integer PRIMARY KEY NOT NULL,
	`config` text NOT NULL,
	`updated_at` integer NOT NULL,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rollout_attestations` (
	`rollout_id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`role` text NOT NULL,
	`items` text NOT NULL,
	`note` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `rollout_canary_marks` (
	`rollout_id` integer PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`offsets` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `rollout_gate_results` (
	`rollout_id` integer NOT NULL,
	`gate` text NOT NULL,
	`status` text NOT NULL,
	`summary` text NOT NULL,
	`evidence` text NOT NULL,
	`evaluated_at` integer NOT NULL,
	PRIMARY KEY(`rollout_id`, `gate`),
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE cascade
);
