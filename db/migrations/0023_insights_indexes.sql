CREATE INDEX `audit_subject_action` ON `audit_events` (`subject_type`,`subject_id`,`action`);--> statement-breakpoint
CREATE INDEX `rollouts_release` ON `rollouts` (`release_id`);