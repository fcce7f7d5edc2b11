CREATE TABLE `rollout_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rollout_id` integer NOT NULL,
	`at` integer NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`rollout_id`) REFERENCES `rollouts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rollout_log_rollout` ON `rollout_log` (`rollout_id`,`id`);--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service_id` integer NOT NULL,
	`environment_id` integer NOT NULL,
	`release_id` integer,
	`from_version` text,
	`to_version` text NOT NULL,
	`strategy` text NOT NULL,
	`plan` text NOT NULL,
	`status` text NOT NULL,
	`step_index` integer NOT NULL,
	`phase` text NOT NULL,
	`weight` integer NOT NULL,
	`hold_ends_at` integer,
	`hold_remaining_ms` integer,
	`reason` text,
	`failed_during` text,
	`idempotency_key` text NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`row_version` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`service_id`) REFERENCES `services`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`environment_id`) REFERENCES `environments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rollouts_idempotency` ON `rollouts` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `rollouts_target` ON `rollouts` (`service_id`,`environment_id`,`status`);